"""One network namespace: interfaces, addresses, routes, sysctls, netfilter, conntrack.

This is the state; the packet path that moves packets through it lives in
:mod:`nflab.stack.ip`. Configuration changes fail with the kernel's errno,
which the ``ip`` program turns into iproute2's texts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address

from ..netfilter.conntrack import ConntrackTable, Timeouts
from ..netfilter.hooks import HookRunner
from ..netfilter.skb import Env
from ..netfilter.state import NetfilterState
from .inet import Inet, RouteMatch, display_order
from .interfaces import Interface, LinkKind
from .links import Links, NetnsError
from .neighbour import Neighbours
from .routing import Fib
from .sysctl import Sysctls

__all__ = ["MacAllocator", "Netns", "NetnsError", "RouteMatch", "display_order"]


@dataclass(frozen=True, slots=True)
class MacAllocator:
    """Deterministic locally administered MACs (the kernel picks random ones)."""

    seed: int

    def mac(self, index: int) -> bytes:
        return bytes([0x02, 0x00, (self.seed >> 8) & 0xFF, self.seed & 0xFF, (index >> 8) & 0xFF, index & 0xFF])


class Netns(Links, Inet):
    def __init__(self, ns_id: int, name: str = "") -> None:
        self.id = ns_id
        self.name = name
        self.interfaces: dict[str, Interface] = {}
        self.fib = Fib()
        self.sysctls = Sysctls()
        self.netfilter = NetfilterState()
        self.conntrack = ConntrackTable()
        self.nsids: dict[int, int] = {}  # ids this namespace gave its peer namespaces
        self.neighbours = Neighbours()  # the datapath attaches its link layer
        self._next_index = 1
        self._macs = MacAllocator(ns_id)
        # lo gets 127.0.0.1/8 when it first goes up (``inetdev_event``)
        self.add_interface("lo", LinkKind.LOOPBACK, mac=bytes(6), mtu=65536)
        self.env = self._make_env()
        self._timeouts: tuple[int, Timeouts] | None = None
        self.hooks = HookRunner(self.netfilter, self.conntrack, self.timeouts)
        # the clock of the world the namespace lives in (the lab sets it)
        self.clock: Callable[[], float] = lambda: self.env.now
        self.sysctls.live["net.netfilter.nf_conntrack_count"] = lambda: str(
            len(self.conntrack.entries(self.clock()))
        )

    # -- what netfilter asks of the namespace --------------------------------------------

    def timeouts(self) -> Timeouts:
        """The ``net.netfilter.*`` sysctls, read again only after a sysctl write."""
        generation = self.sysctls.generation
        if self._timeouts is None or self._timeouts[0] != generation:
            prefix = "net.netfilter."
            values = self.sysctls.values
            timeouts = Timeouts({k[len(prefix):]: self.sysctls.get_int(k) for k in values if k.startswith(prefix)})
            self._timeouts = (generation, timeouts)
        return self._timeouts[1]

    def address_type(self, addr: IPv4Address, dev: str | None = None) -> str:
        """``inet_addr_type``: the route type of an address (LOCAL, BROADCAST, UNICAST...)."""
        if int(addr) == 0xFFFFFFFF:
            return "BROADCAST"
        if addr.is_multicast:
            return "MULTICAST"
        if int(addr) == 0:
            return "UNSPEC"
        hit = self.fib.lookup(addr)
        if hit is None:
            return "UNREACHABLE" if dev is None else "UNICAST"
        if dev is not None and hit.route.dev != dev and hit.route.kind != "unicast":
            return "UNICAST"
        return {"local": "LOCAL", "broadcast": "BROADCAST", "unicast": "UNICAST"}.get(hit.route.kind, hit.route.kind.upper())

    def route_source(self, addr: IPv4Address) -> IPv4Address | None:
        hit = self.fib.lookup(addr)
        if hit is None:
            return None
        if hit.route.kind == "local":
            return hit.src or addr  # ``fib_prefsrc`` of the local route, else the address
        if hit.src is not None:
            return hit.src
        iface = self.interfaces.get(hit.route.dev)
        return iface.primary_address if iface else None

    def iface_select_source(self, dev: str, toward: IPv4Address) -> IPv4Address | None:
        """``inet_select_addr``: an address of ``dev`` in the nexthop's subnet, else the first."""
        iface = self.interfaces.get(dev)
        if iface is None or not iface.addresses:
            return None
        for a in iface.addresses:
            if toward in a.network:
                return a.ip
        return iface.addresses[0].ip

    def iface_first_address(self, dev: str) -> IPv4Address | None:
        iface = self.interfaces.get(dev)
        return iface.primary_address if iface else None

    def _default_mac(self, index: int) -> bytes:
        return self._macs.mac(index)

    def _make_env(self) -> Env:
        """The environment rules evaluate in; ``now``/``wall_clock`` are set per packet."""
        return Env(
            address_types=self.address_type,
            local_addresses=lambda: frozenset(self.local_addresses()),
            route_source=self.route_source,
            iface_select_source=self.iface_select_source,
            iface_first_address=self.iface_first_address,
            nat_tuple_taken=lambda t: self.conntrack.tuple_taken(t),
            nat_bysource=lambda t: self.conntrack.by_source(t),
            route_mtu=lambda addr: self._route_mtu(addr),
        )

    def _route_mtu(self, addr: IPv4Address) -> int | None:
        hit = self.fib.lookup(addr)
        if hit is None:
            return None
        iface = self.interfaces.get(hit.route.dev)
        return iface.mtu if iface else None

