"""The routing tables of one namespace (``local`` then ``main``), longest prefix first.

Adding an address creates the kernel's routes as ``fib_add_ifaddr`` does:
``local ADDR`` in the local table at once; once the interface is up, the
connected ``NET dev IF proto kernel scope link src ADDR`` route in main
(``local NET`` in the local table for a loopback interface) and the
``broadcast`` routes. Tables other than ``local`` and ``main`` are named by
their number (``"100"``); lookups use ``local`` then ``main``, as the
default rules do.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from .interfaces import IfAddr


@dataclass(frozen=True, slots=True)
class Route:
    dst: IPv4Network
    dev: str
    kind: str = "unicast"  # unicast, local, broadcast, blackhole, unreachable, prohibit
    via: IPv4Address | None = None
    src: IPv4Address | None = None
    proto: str = "boot"
    scope: str = "global"
    metric: int = 0
    table: str = "main"
    onlink: bool = False

    def show(self, linkdown: bool = False) -> str:
        """``ip route show`` text (the ``local`` table also prints the route type)."""
        head = "default" if self.dst.prefixlen == 0 else (
            str(self.dst.network_address) if self.dst.prefixlen == 32 else str(self.dst)
        )
        words = [head] if self.kind == "unicast" else [self.kind, head]
        if self.via is not None:
            words += ["via", str(self.via)]
        words += ["dev", self.dev]
        if self.proto != "boot":
            words += ["proto", self.proto]
        if self.scope != "global":
            words += ["scope", self.scope]
        if self.src is not None:
            words += ["src", str(self.src)]
        if self.metric:
            words += ["metric", str(self.metric)]
        if linkdown:
            words.append("linkdown")
        return " ".join(words)


@dataclass(frozen=True, slots=True)
class Lookup:
    """A routing decision: where the packet goes and from which source address."""

    route: Route
    gateway: IPv4Address | None
    src: IPv4Address | None

    @property
    def is_local(self) -> bool:
        return self.route.kind == "local"


class Fib:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.tables: set[str] = {"main"}  # a table exists once a route went into it

    def add(self, route: Route) -> None:
        self.routes.append(route)
        self.tables.add(route.table)

    def remove(self, predicate: object) -> None:
        assert callable(predicate)
        self.routes = [r for r in self.routes if not predicate(r)]

    def table(self, name: str) -> list[Route]:
        return [r for r in self.routes if r.table == name]

    def ifaddr_routes(self, ifa: IfAddr, prim: IfAddr, dev: str, loopback: bool, up: bool) -> list[Route]:
        """The routes an address brings (``fib_add_ifaddr``): ``prim`` is the primary
        address of its subnet (the address itself unless it is a secondary)."""
        src = prim.addr.ip
        routes = [Route(IPv4Network(ifa.addr.ip), dev, "local", src=src, proto="kernel", scope="host", table="local")]
        if not up:
            return routes
        if ifa.broadcast is not None and int(ifa.broadcast) != 0xFFFFFFFF:
            routes.append(_broadcast(ifa.broadcast, dev, src))
        prefix = ifa.prefix
        if ifa.secondary or int(prefix.network_address) == 0:
            return routes
        if prefix.network_address != ifa.addr.ip or prefix.prefixlen < 32:
            if not ifa.noprefixroute:
                if loopback:
                    routes.append(Route(prefix, dev, "local", src=src, proto="kernel", scope="host", table="local"))
                else:
                    routes.append(Route(prefix, dev, src=src, proto="kernel", scope="link"))
            if prefix.prefixlen < 31:
                routes.append(_broadcast(prefix.broadcast_address, dev, src))
        return routes

    def add_unique(self, routes: list[Route]) -> None:
        """``fib_magic``: the kernel's own routes, each once."""
        for route in routes:
            if route not in self.routes:
                self.add(route)

    def lookup(self, dst: IPv4Address, usable: object = None) -> Lookup | None:
        """Longest prefix in local, then main; ``usable(route)`` filters routes of down links."""
        for name in ("local", "main"):
            best: Route | None = None
            for r in self.routes:
                if r.table != name or dst not in r.dst:
                    continue
                if callable(usable) and not usable(r):
                    continue
                if best is None or (r.dst.prefixlen, -r.metric) > (best.dst.prefixlen, -best.metric):
                    best = r
            if best is not None:
                return Lookup(best, best.via, best.src)
        return None


def _broadcast(addr: IPv4Address, dev: str, src: IPv4Address) -> Route:
    return Route(IPv4Network(addr), dev, "broadcast", src=src, proto="kernel", scope="link", table="local")


TABLE_IDS = {"unspec": 0, "default": 253, "main": 254, "local": 255}


def table_id(name: str) -> int:
    """The number of a table name (``main`` 254, ``local`` 255, or its digits)."""
    return TABLE_IDS[name] if name in TABLE_IDS else int(name)


def table_name(number: int) -> str:
    names = {v: k for k, v in TABLE_IDS.items()}
    return names.get(number, str(number))
