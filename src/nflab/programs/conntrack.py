"""``conntrack`` (conntrack-tools 1.4.7): list, delete and flush the namespace's entries.

The entries go to stdout, the summary line to stderr (unbuffered, so it comes
first in a transcript): ``conntrack v1.4.7 (conntrack-tools): N flow entries
have been shown.``
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import IPv4Address

from ..iptables.addresses import parse_protocol
from ..iptables.errors import ParameterProblem
from ..netfilter.conntrack import Conn, listing_line
from ..netfilter.ctview import CtStatus
from .base import Io
from .system import NotSimulated, System

PREFIX = "conntrack v1.4.7 (conntrack-tools): "

Filter = Callable[[Conn], bool]

_ADDRESS_OPTIONS: dict[str, Callable[[Conn], object]] = {
    "-s": lambda c: c.orig.src, "--src": lambda c: c.orig.src, "--orig-src": lambda c: c.orig.src,
    "-d": lambda c: c.orig.dst, "--dst": lambda c: c.orig.dst, "--orig-dst": lambda c: c.orig.dst,
    "-r": lambda c: c.reply.src, "--reply-src": lambda c: c.reply.src,
    "-q": lambda c: c.reply.dst, "--reply-dst": lambda c: c.reply.dst,
}  # fmt: skip
_PORT_OPTIONS: dict[str, Callable[[Conn], object]] = {
    "--sport": lambda c: c.orig.sport, "--orig-port-src": lambda c: c.orig.sport,
    "--dport": lambda c: c.orig.dport, "--orig-port-dst": lambda c: c.orig.dport,
    "--reply-port-src": lambda c: c.reply.sport, "--reply-port-dst": lambda c: c.reply.dport,
}  # fmt: skip


def conntrack_main(argv: Sequence[str], io: Io, system: System) -> int:
    ns = getattr(system, "ns", None)
    if ns is None:
        raise NotSimulated("conntrack outside a lab machine")
    table = ns.netns.conntrack
    now = system.machine.scheduler.now  # type: ignore[attr-defined]
    command = ""
    extended = False  # ``-o extended``: the layer-3 protocol first, as /proc shows it
    filters: list[Filter] = []
    args = list(argv[1:])
    try:
        while args:
            word = args.pop(0)
            if word in ("-L", "--dump", "-D", "--delete", "-F", "--flush", "-C", "--count"):
                if command:
                    io.err(PREFIX + "Invalid parameters\n")  # two commands
                    return 2
                command = {"--dump": "-L", "--delete": "-D", "--flush": "-F", "--count": "-C"}.get(word, word)
                if args and args[0] == "conntrack":
                    args.pop(0)
            elif word in ("-p", "--protonum", "--proto"):
                proto = parse_protocol(_value(word, args), system.names)
                filters.append(_equals(lambda c: c.proto, proto))
            elif word in _ADDRESS_OPTIONS:
                filters.append(_equals(_ADDRESS_OPTIONS[word], IPv4Address(_value(word, args))))
            elif word in _PORT_OPTIONS:
                filters.append(_equals(_PORT_OPTIONS[word], int(_value(word, args))))
            elif word in ("-m", "--mark"):
                filters.append(_equals(lambda c: c.mark, int(_value(word, args), 0)))
            elif word in ("-f", "--family"):
                if _value(word, args) != "ipv4":
                    raise NotSimulated("conntrack -f other than ipv4")
            elif word in _NAT_FILTERS:
                filters.append(_has_status(_NAT_FILTERS[word]))
            elif word in ("-o", "--output"):
                formats = _value(word, args).split(",")
                if any(f != "extended" for f in formats):
                    raise NotSimulated(f"conntrack -o {','.join(formats)}")
                extended = True
            elif word in _KNOWN_OPTIONS:
                raise NotSimulated(f"conntrack {word}")
            else:
                io.err(f"{PREFIX}unknown option `{word}'\nTry `conntrack -h' or 'conntrack --help' for more information.\n")
                return 2
    except (ValueError, ParameterProblem) as err:
        io.err(f"{PREFIX}{err}\n")
        return 2
    entries = [c for c in table.entries(now) if all(f(c) for f in filters)]
    layer3 = "ipv4     2 " if extended else ""
    if command in ("", "-L"):
        for conn in entries:
            io.out(layer3 + listing_line(conn, now) + "\n")
        io.err(f"{PREFIX}{len(entries)} flow entries have been shown.\n")
        return 0
    if command == "-C":
        io.out(f"{len(entries)}\n")
        return 0
    if command == "-F":
        table.flush()
        io.err(PREFIX + "connection tracking table has been emptied.\n")
        return 0
    for conn in entries:  # each deleted entry is printed, as ``-L`` would
        io.out(layer3 + listing_line(conn, now) + "\n")
        table.remove(conn)
    io.err(f"{PREFIX}{len(entries)} flow entries have been deleted.\n")
    return 0 if entries else 1


# ``--src-nat``/``--dst-nat``/``--any-nat``: entries whose status has the NAT bit
_NAT_FILTERS = {
    "-n": CtStatus.SRC_NAT, "--src-nat": CtStatus.SRC_NAT,
    "-g": CtStatus.DST_NAT, "--dst-nat": CtStatus.DST_NAT,
    "-j": CtStatus.SRC_NAT | CtStatus.DST_NAT, "--any-nat": CtStatus.SRC_NAT | CtStatus.DST_NAT,
}  # fmt: skip

# what conntrack 1.4.7 knows and nflab does not do: refused by name, not as unknown
_KNOWN_OPTIONS = frozenset((
    "-G", "--get", "-I", "--create", "-U", "--update", "-E", "--event", "-S", "--stats",
    "-R", "--load-file", "-t", "--timeout", "-u", "--status", "-e", "--event-mask",
    "-c", "--secmark", "-b", "--buffer-size", "-i", "--id", "-w", "--zone", "-z", "--zero",
    "-l", "--label", "--label-add", "--label-del", "--orig-zone", "--reply-zone",
    "--state", "--tuple-src", "--tuple-dst", "--mask-src", "--mask-dst", "--icmp-type",
    "--icmp-code", "--icmp-id", "-x", "-h", "--help", "-V", "--version",
))  # fmt: skip


def _has_status(bits: int) -> Filter:
    return lambda conn: bool(conn.status & bits)


def _equals(field: Callable[[Conn], object], wanted: object) -> Filter:
    return lambda conn: field(conn) == wanted


def _value(option: str, args: list[str]) -> str:
    if not args:
        raise ValueError(f"option `{option}' requires an argument")
    return args.pop(0)
