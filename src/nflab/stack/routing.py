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

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any, SupportsIndex

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


class RouteList(list[Route]):
    """The routes, counting every change (through the list methods and item assignment;
    not ``+=``) so that lookups can keep a prepared index."""

    version = 0

    def _changed(self) -> None:
        self.version += 1

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._changed()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._changed()

    def append(self, route: Route) -> None:
        super().append(route)
        self._changed()

    def insert(self, index: SupportsIndex, route: Route) -> None:
        super().insert(index, route)
        self._changed()

    def remove(self, route: Route) -> None:
        super().remove(route)
        self._changed()

    def extend(self, routes: Iterable[Route]) -> None:
        super().extend(routes)
        self._changed()

    def pop(self, index: SupportsIndex = -1) -> Route:
        route = super().pop(index)
        self._changed()
        return route

    def clear(self) -> None:
        super().clear()
        self._changed()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._changed()

    def reverse(self) -> None:
        super().reverse()
        self._changed()


# one table's routes as a lookup tries them: (network, netmask, route), longest prefix first,
# then lowest metric, then the order they were added (the first of equals wins)
Candidates = list[tuple[int, int, Route]]


class Fib:
    def __init__(self) -> None:
        self._routes = RouteList()
        self.tables: set[str] = {"main"}  # a table exists once a route went into it
        self._index: tuple[RouteList, int, dict[str, Candidates]] | None = None

    @property
    def routes(self) -> RouteList:
        return self._routes

    @routes.setter
    def routes(self, routes: Iterable[Route]) -> None:
        self._routes = RouteList(routes)

    def _candidates(self, table: str) -> Candidates:
        routes = self._routes
        index = self._index
        if index is None or index[0] is not routes or index[1] != routes.version:
            by_table: dict[str, Candidates] = {}
            for r in sorted(routes, key=lambda r: (-r.dst.prefixlen, r.metric)):
                by_table.setdefault(r.table, []).append(
                    (int(r.dst.network_address), int(r.dst.netmask), r)
                )
            index = self._index = (routes, routes.version, by_table)
        return index[2].get(table, [])

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
        address = int(dst)
        for name in ("local", "main"):
            for network, netmask, r in self._candidates(name):
                if address & netmask != network:
                    continue
                if callable(usable) and not usable(r):
                    continue
                return Lookup(r, r.via, r.src)
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
