"""``ip route``: add, del, replace, show/list, flush, get.

Parsed as ``iproute_modify`` and ``iproute_list_flush_or_save`` parse. A
route given only a device gets scope link; ``local`` and ``broadcast``
routes go to the local table with scope host and link; ``del`` matches only
what was given. The listing prints what ``print_route`` prints, leaving out
the fields the selector fixed (``ip route show dev X`` drops ``dev X``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from ...stack.inet import RouteMatch, display_order
from ...stack.links import NetnsError
from ...stack.linkstate import carrier
from ...stack.routing import Route
from ..system import NotSimulated
from .common import PROTOS, ROUTE_TYPES, Args, Ip, matches, parse_scope, parse_table, table_number
from .route_v6 import ipv6_lines
from .usage import ROUTE_USAGE

# what ``ip route get`` answers for a route that refuses (``fib_props[type].error``)
_REFUSED = {"blackhole": "EINVAL", "unreachable": "EHOSTUNREACH", "prohibit": "EACCES"}
_INT = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


def do_route(ip: Ip, words: list[str]) -> int:
    if not words:
        return route_list(ip, [], flush=False)
    cmd, rest = words[0], words[1:]
    if matches(cmd, "add"):
        return route_modify(ip, Args(ip, rest), "add")
    if matches(cmd, "change") or matches(cmd, "append") or matches(cmd, "prepend"):
        raise NotSimulated(f"ip route {cmd}")
    if matches(cmd, "replace"):
        return route_modify(ip, Args(ip, rest), "replace")
    if matches(cmd, "delete"):
        return route_modify(ip, Args(ip, rest), "del")
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        return route_list(ip, rest, flush=False)
    if matches(cmd, "flush"):
        return route_list(ip, rest, flush=True)
    if matches(cmd, "get"):
        return route_get(ip, Args(ip, rest))
    if matches(cmd, "help"):
        raise usage(ip)
    raise NotSimulated(f"ip route {cmd}") if cmd in ("save", "restore", "showdump") else ip.fail(
        f'Command "{cmd}" is unknown, try "ip route help".'
    )


def usage(ip: Ip) -> Exception:
    return ip.fail(ROUTE_USAGE.rstrip("\n"))


def _u32(ip: Ip, text: str, what: str) -> int:
    if not _INT.fullmatch(text) or int(text, 0) >= 2**32:
        raise ip.invarg(f'"{what}" value is invalid\n', text)
    return int(text, 0)


def _proto(ip: Ip, text: str) -> str | None:
    if text in PROTOS:
        return text
    if _INT.fullmatch(text) and int(text, 0) < 256:
        names = {v: k for k, v in PROTOS.items()}
        return names.get(int(text, 0), str(int(text, 0)))
    return None


def route_modify(ip: Ip, args: Args, cmd: str) -> int:
    delete = cmd == "del"
    kind: str | None = None if delete else "unicast"
    dst: tuple[IPv4Address, int] | None = None
    via: IPv4Address | None = None
    src: IPv4Address | None = None
    dev: str | None = None
    metric: int | None = None
    proto: str | None = None if delete else "boot"
    scope: str | None = None
    table: str | None = None
    onlink = False
    while args:
        word = args.cur
        if word == "src":
            src = ip.get_addr(args.next())
            ip.family = ip.family or "inet"  # the request's family is now set
        elif word == "via":
            if via is not None:
                raise ip.invarg("use nexthop syntax to specify multiple via\n", word)
            value = args.next()
            if value in ("inet", "inet6", "link", "mpls"):
                raise NotSimulated(f"ip route via {value}")
            via = ip.get_addr(value)
            ip.family = ip.family or "inet"
        elif matches(word, "metric") or matches(word, "priority") or word == "preference":
            metric = _u32(ip, args.next(), "metric")
        elif word == "scope":
            value = args.next()
            scope = parse_scope(value)
            if scope is None:
                raise ip.invarg('invalid "scope" value\n', value)
        elif matches(word, "protocol"):
            value = args.next()
            proto = _proto(ip, value)
            if proto is None:
                raise ip.invarg('"protocol" value is invalid\n', value)
        elif matches(word, "table"):
            value = args.next()
            table = parse_table(value)
            if table is None:
                raise ip.invarg('"table" value is invalid\n', value)
        elif word in ("dev", "oif"):
            dev = args.next()
        elif word == "onlink":
            onlink = True
        elif word in ("from", "tos", "dsfield", "as", "mtu", "advmss", "nexthop", "nhid", "encap",
                      "realms", "expires", "hoplimit", "pref", "vrf") or matches(word, "window"):
            raise NotSimulated(f"ip route {word}")
        else:
            if word == "to":
                word = args.next()
            if not word[:1].isdigit() and word in ROUTE_TYPES:
                kind = word
                word = args.next()
            if matches(word, "help"):
                raise usage(ip)
            if dst is not None:
                raise ip.duparg2("to", word)
            address, plen, _ = ip.address_with_length(word)
            dst = (address, plen)
            ip.family = ip.family or "inet"
        args.advance()
    if dst is None:
        raise usage(ip)
    if dev is not None and dev not in ip.netns.interfaces:
        raise ip.nodev(dev)
    if table is None:
        table = "local" if kind in ("local", "broadcast", "nat", "anycast") else "main"
    if scope is None and not delete:
        scope = {"local": "host", "nat": "host", "broadcast": "link", "multicast": "link",
                 "anycast": "link"}.get(kind or "", "global")  # fmt: skip
        if kind == "unicast" and via is None:
            scope = "link"
    network = IPv4Network(f"{dst[0]}/{dst[1]}", strict=False)
    try:
        if delete:
            ip.netns.delete_route(
                RouteMatch(network, table, kind, via, dev, src, proto, scope, metric)
            )
            return 0
        if int(dst[0]) & ~int(network.netmask) & 0xFFFFFFFF:
            raise NetnsError("EINVAL", "Invalid prefix for given prefix length")
        if onlink and dev is None:
            raise NetnsError("EINVAL", "Nexthop device required for onlink")
        if kind in ("blackhole", "unreachable", "prohibit", "throw"):
            dev = ""
        elif via is not None and dev is None:
            dev = ip.netns.gateway_device(via) or ""
            if not dev:
                raise NetnsError("EINVAL", "Nexthop has invalid gateway")
        assert kind is not None and scope is not None and proto is not None
        route = Route(network, dev or "", kind, via, src, proto, scope, metric or 0, table, onlink)
        ip.netns.add_route(route, replace_existing=cmd == "replace")
    except NetnsError as err:
        raise ip.kernel_error(err) from None
    return 0


@dataclass
class RouteFilter:
    """The selector of ``ip route show``: ``None`` fields select nothing."""

    table: str | None = "main"  # None: all tables
    proto: str | None = None
    scope: str | None = None
    kinds: set[str] = field(default_factory=set)
    dev: str | None = None
    via: IPv4Network | None = None
    src: IPv4Network | None = None
    metric: int | None = None
    root: IPv4Network | None = None
    match: IPv4Network | None = None

    def selects(self, r: Route) -> bool:
        if self.table is not None and r.table != self.table:
            return False
        checks = (
            (self.proto, r.proto), (self.scope, r.scope), (self.dev, r.dev), (self.metric, r.metric),
        )  # fmt: skip
        if any(want is not None and want != have for want, have in checks):
            return False
        if self.kinds and r.kind not in self.kinds:
            return False
        if self.via is not None and (r.via is None or r.via not in self.via):
            return False
        if self.src is not None and (r.src is None or r.src not in self.src):
            return False
        if self.root is not None and not r.dst.subnet_of(self.root):
            return False
        return self.match is None or self.match.subnet_of(r.dst)


def parse_route_filter(ip: Ip, words: list[str]) -> RouteFilter:
    args = Args(ip, words)
    f = RouteFilter()
    while args:
        word = args.cur
        if matches(word, "table"):
            value = args.next()
            table = parse_table(value)
            if table is None:
                if value == "all":
                    f.table = None
                elif value in ("cache", "help"):
                    raise NotSimulated(f"ip route show table {value}")
                else:
                    raise ip.invarg("table id value is invalid\n", value)
            else:
                f.table = None if table == "0" else table
        elif matches(word, "protocol"):
            value = args.next()
            proto = _proto(ip, value)
            if proto is None and value != "all":
                raise ip.invarg('invalid "protocol"\n', value)
            f.proto = proto
        elif matches(word, "scope"):
            value = args.next()
            scope = parse_scope(value)
            if scope is None and value != "all":
                raise ip.invarg('invalid "scope"\n', value)
            f.scope = scope
        elif matches(word, "type"):
            value = args.next()
            if value not in ROUTE_TYPES:
                raise ip.invarg("node type value is invalid\n", value)
            f.kinds = {value}
        elif word in ("dev", "oif"):
            f.dev = args.next()
        elif word == "via":
            f.via = ip.get_prefix(args.next())[0]
        elif word == "src":
            f.src = ip.get_prefix(args.next())[0]
        elif matches(word, "metric") or matches(word, "priority") or word == "preference":
            f.metric = _u32(ip, args.next(), "metric")
        elif word in ("iif", "mark", "tos", "dsfield", "vrf", "realms", "from") or matches(word, "cached"):
            raise NotSimulated(f"ip route show {word}")
        else:
            if matches(word, "to"):
                word = args.next()
            if matches(word, "root"):
                f.root = ip.get_prefix(args.next())[0]
            elif matches(word, "match"):
                f.match = ip.get_prefix(args.next())[0]
            else:
                if matches(word, "exact"):
                    word = args.next()
                f.root = f.match = ip.get_prefix(word)[0]
        args.advance()
    if f.dev is not None and f.dev not in ip.netns.interfaces:
        raise ip.nodev(f.dev)
    return f


def route_line(ip: Ip, r: Route, f: RouteFilter) -> str:
    """``print_route``: one line, trailing space included."""
    words: list[str] = []
    if r.kind != "unicast" and (not f.kinds or r.kind in f.kinds):
        words.append(r.kind)
    if r.dst.prefixlen == 0:
        words.append("default")
    else:
        words.append(str(r.dst.network_address) if r.dst.prefixlen == 32 else str(r.dst))
    if r.via is not None and (f.via is None or f.via.prefixlen != 32):
        words += ["via", str(r.via)]
    if r.dev and f.dev is None:
        words += ["dev", r.dev]
    if f.table is None and r.table != "main":
        words += ["table", r.table]
    if r.proto != "boot" and f.proto is None:
        words += ["proto", r.proto]
    if r.scope != "global" and f.scope is None:
        words += ["scope", r.scope]
    if r.src is not None and (f.src is None or f.src.prefixlen != 32):
        words += ["src", str(r.src)]
    if r.metric and f.metric is None:
        words += ["metric", str(r.metric)]
    if r.onlink:
        words.append("onlink")
    iface = ip.netns.interfaces.get(r.dev)
    if iface is not None and r.scope != "host" and iface.admin_up and not carrier(ip.netns, iface):
        words.append("linkdown")
    return " ".join(words) + " \n"


def selected_routes(ip: Ip, f: RouteFilter) -> list[Route]:
    tables: dict[str, list[Route]] = {}
    for r in ip.netns.fib.routes:
        if f.selects(r):
            tables.setdefault(r.table, []).append(r)
    out: list[Route] = []
    for name in sorted(tables, key=lambda t: table_number(t) % 256):
        out += sorted(tables[name], key=display_order)
    return out


def route_list(ip: Ip, words: list[str], flush: bool) -> int:
    if flush and not words:
        raise ip.fail('"ip route flush" requires arguments.', 1)
    f = parse_route_filter(ip, words)
    if f.table is not None and f.table not in ip.netns.fib.tables and ip.family in ("", "inet"):
        raise ip.fail("Error: ipv4: FIB table does not exist.\nDump terminated", 2)
    routes = selected_routes(ip, f) if ip.family in ("", "inet") else []
    if flush:
        for r in routes:
            ip.netns.fib.routes.remove(r)
        return 0
    text = "".join(route_line(ip, r, f) for r in routes)
    if ip.family == "inet6" or (ip.family == "" and f.table is None):
        text += "".join(ipv6_lines(ip, f.table, f.dev))
    ip.io.out(text)
    return 0


def route_get(ip: Ip, args: Args) -> int:
    target: IPv4Address | None = None
    while args:
        word = args.cur
        if word in ("to",):
            word = args.next()
        if word in ("from", "iif", "oif", "tos", "mark", "vrf", "uid", "ipproto", "sport", "dport",
                    "fibmatch", "connected", "dsfield"):
            raise NotSimulated(f"ip route get {word}")
        if target is not None:
            raise ip.duparg2("to", word)
        target = ip.get_prefix(word)[0].network_address
        args.advance()
    if target is None:
        raise usage(ip)
    netns = ip.netns
    hit = netns.fib.lookup(target, usable=lambda r: r.kind in _REFUSED or r.kind == "local" or (
        r.kind == "unicast" and r.dev in netns.interfaces and netns.interfaces[r.dev].admin_up))
    if hit is None:
        raise ip.kernel_error(NetnsError("ENETUNREACH"))
    route = hit.route
    if route.kind in _REFUSED:
        raise ip.kernel_error(NetnsError(_REFUSED[route.kind]))
    if route.kind == "local":
        ip.io.out(f"local {target} dev lo src {route.src or target} uid 0 \n    cache <local> \n")
        return 0
    src = hit.src or ip.netns.iface_select_source(route.dev, hit.gateway or target)
    via = f"via {hit.gateway} " if hit.gateway is not None else ""
    ip.io.out(f"{target} {via}dev {route.dev} src {src} uid 0 \n    cache \n")
    return 0
