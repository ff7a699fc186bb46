"""The routing tables of one namespace (``local`` then ``main``), longest prefix first.

Adding an address creates the kernel's routes as ``fib_add_ifaddr`` does:
``local ADDR`` and ``broadcast`` in the local table (``local 127.0.0.0/8``
for a loopback network), and the connected ``NET dev IF proto kernel scope
link src ADDR`` route in main once the interface is up.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network


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

    def add(self, route: Route) -> None:
        self.routes.append(route)

    def remove(self, predicate: object) -> None:
        assert callable(predicate)
        self.routes = [r for r in self.routes if not predicate(r)]

    def table(self, name: str) -> list[Route]:
        return [r for r in self.routes if r.table == name]

    def address_routes(self, addr: IPv4Interface, dev: str, loopback: bool) -> list[Route]:
        """The local-table routes an address brings (``fib_add_ifaddr``)."""
        routes = [Route(IPv4Network(addr.ip), dev, "local", src=addr.ip, proto="kernel", scope="host", table="local")]
        net = addr.network
        if loopback and net.prefixlen < 32:
            routes.insert(0, Route(net, dev, "local", src=addr.ip, proto="kernel", scope="host", table="local"))
        if net.prefixlen < 31:
            routes.append(
                Route(IPv4Network(net.broadcast_address), dev, "broadcast", src=addr.ip, proto="kernel", scope="link", table="local")
            )
        return routes

    @staticmethod
    def connected_route(addr: IPv4Interface, dev: str) -> Route:
        return Route(addr.network, dev, src=addr.ip, proto="kernel", scope="link")

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
