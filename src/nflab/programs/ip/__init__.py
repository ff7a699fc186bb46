"""``ip`` (iproute2 6.1, Debian 12) on a simulated machine: link, address, route, netns, neigh.

``ip [OPTIONS] OBJECT [COMMAND ...]``: the options and objects are matched
by prefix as iproute2 matches them (``ip a``, ``ip r``, ``ip l``, ``ip -4 a``;
``ip n`` is ``neighbor``, as in iproute2). Objects iproute2 has and nflab
does not simulate are refused as not simulated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..base import Io
from ..system import NotSimulated, System
from .addr import do_addr
from .common import Ip, IpExit, matches
from .link import do_link
from .neigh import do_neigh
from .netns import do_netns
from .route import do_route
from .usage import IP_USAGE

VERSION = "ip utility, iproute2-6.1.0, libbpf 1.1.2\n"  # as this machine's Debian 12 ip says

Handler = Callable[[Ip, list[str]], int]
_NOT_SIMULATED = ("addrlabel", "maddress", "rule", "ntable", "ntbl", "l2tp", "fou", "ila",
                  "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics",
                  "tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netconf", "vrf", "sr",
                  "nexthop", "mptcp", "ioam", "stats")  # fmt: skip
# iproute2's table order decides what a prefix means (``n`` is neighbor, ``net`` netns)
OBJECTS: tuple[tuple[str, Handler | None], ...] = (
    ("address", do_addr), ("addrlabel", None), ("maddress", None), ("route", do_route),
    ("rule", None), ("neighbor", do_neigh), ("neighbour", do_neigh), ("ntable", None),
    ("ntbl", None), ("link", do_link), ("l2tp", None), ("fou", None), ("ila", None),
    ("macsec", None), ("tunnel", None), ("tunl", None), ("tuntap", None), ("tap", None),
    ("token", None), ("tcpmetrics", None), ("tcp_metrics", None), ("monitor", None),
    ("xfrm", None), ("mroute", None), ("mrule", None), ("netns", do_netns), ("netconf", None),
    ("vrf", None), ("sr", None), ("nexthop", None), ("mptcp", None), ("ioam", None),
    ("help", None), ("stats", None),
)  # fmt: skip

FAMILIES = {"inet": "inet", "inet6": "inet6", "link": "link", "ipv4": "inet", "ipv6": "inet6"}


def ip_main(argv: Sequence[str], io: Io, system: System) -> int:
    ip = Ip(io, system)
    try:
        return _main(ip, list(argv[1:]))
    except IpExit as done:
        return done.status


def _usage(ip: Ip) -> IpExit:
    return ip.fail(IP_USAGE.rstrip("\n"))


# ip.c's option order decides what an abbreviation means (``-b`` is -batch, ``-h`` -human)
OPTIONS = (
    "-loops", "-family", "-4", "-6", "-0", "-M", "-B", "-human", "-human-readable", "-iec",
    "-stats", "-statistics", "-details", "-resolve", "-oneline", "-timestamp", "-tshort",
    "-Version", "-force", "-batch", "-brief", "-json", "-pretty", "-rcvbuf", "-color", "-help",
    "-netns", "-Numeric", "-all", "-echo",
)  # fmt: skip
_EXACT = ("-4", "-6", "-0", "-M", "-B", "-echo")


def _option(opt: str) -> str | None:
    for name in OPTIONS:
        if opt == name if name in _EXACT else matches(opt.partition("=")[0], name):
            return name
    return None


def _main(ip: Ip, args: list[str]) -> int:
    while args:
        opt = args[0]
        if opt == "--":
            args.pop(0)
            break
        if not opt.startswith("-"):
            break
        if opt[1:2] == "-":
            opt = opt[1:]
        args.pop(0)
        name = _option(opt)
        if name is None:
            raise ip.fail(f'Option "{opt}" is unknown, try "ip -help".')
        if name in ("-4", "-6", "-0"):
            ip.family = {"-4": "inet", "-6": "inet6", "-0": "link"}[name]
        elif name == "-family":
            if not args:
                raise _usage(ip)
            value = args.pop(0)
            if value == "help":
                raise _usage(ip)
            if value not in FAMILIES:
                raise ip.invarg("invalid protocol family", value)
            ip.family = FAMILIES[value]
        elif name == "-Version":
            ip.io.out(VERSION)
            return 0
        elif name == "-brief":
            ip.brief = True
        elif name == "-oneline":
            ip.oneline = True
        elif name == "-details":
            ip.details += 1
        elif name in ("-stats", "-statistics"):
            ip.stats += 1
        elif name == "-all":
            ip.do_all = True
        elif name == "-help":
            raise _usage(ip)
        elif name == "-netns":
            if not args:
                raise ip.fail('Command line is not complete. Try option "help"')
            ns_name = args.pop(0)
            if ns_name not in ip.machine.namespaces:
                raise ip.fail(f'Cannot open network namespace "{ns_name}": No such file or directory')
            ip.system = ip.system.in_netns(ns_name)  # type: ignore[attr-defined]
        else:
            raise NotSimulated(f"the ip option {opt}")
    if ip.details or ip.stats:
        raise NotSimulated("ip -details/-statistics")
    if not args:
        raise _usage(ip)
    word = args[0]
    for name, handler in OBJECTS:
        if matches(word, name):
            if name == "help":
                raise _usage(ip)
            if handler is None:
                raise NotSimulated(f"ip {name}")
            return handler(ip, args[1:])
    raise ip.fail(f'Object "{word}" is unknown, try "ip help".', 1)
