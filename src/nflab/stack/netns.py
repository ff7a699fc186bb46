"""One network namespace: interfaces, addresses, routes, sysctls, netfilter, conntrack.

This is the state; the packet path that moves packets through it lives in
:mod:`nflab.stack.ip`. Configuration changes fail with the kernel's errno,
which the ``ip`` program turns into iproute2's texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface

from ..netfilter.conntrack import ConntrackTable, Timeouts
from ..netfilter.hooks import HookRunner
from ..netfilter.skb import Env
from ..netfilter.state import NetfilterState
from .interfaces import Interface, LinkKind
from .routing import Fib, Route
from .sysctl import Sysctls


class NetnsError(Exception):
    """A configuration the kernel refuses: ``errno`` is the symbolic errno."""

    def __init__(self, errno: str, message: str = ""):
        super().__init__(message or errno)
        self.errno = errno
        self.message = message


@dataclass(frozen=True, slots=True)
class MacAllocator:
    """Deterministic locally administered MACs (the kernel picks random ones)."""

    seed: int

    def mac(self, index: int) -> bytes:
        return bytes([0x02, 0x00, (self.seed >> 8) & 0xFF, self.seed & 0xFF, (index >> 8) & 0xFF, index & 0xFF])


class Netns:
    def __init__(self, ns_id: int, name: str = "") -> None:
        self.id = ns_id
        self.name = name
        self.interfaces: dict[str, Interface] = {}
        self.fib = Fib()
        self.sysctls = Sysctls()
        self.netfilter = NetfilterState()
        self.conntrack = ConntrackTable()
        self._next_index = 1
        self._macs = MacAllocator(ns_id)
        self.add_interface("lo", LinkKind.LOOPBACK, mac=bytes(6), mtu=65536)
        self.add_address("lo", IPv4Interface("127.0.0.1/8"))
        self.env = self._make_env()
        self.hooks = HookRunner(self.netfilter, self.conntrack, self.timeouts)

    # -- what netfilter asks of the namespace --------------------------------------------

    def timeouts(self) -> Timeouts:
        prefix = "net.netfilter."
        return Timeouts(
            {k[len(prefix):]: self.sysctls.get_int(k) for k in self.sysctls.values if k.startswith(prefix)}
        )

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
            return addr
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

    def _make_env(self) -> Env:
        """The environment rules evaluate in; ``now``/``wall_clock`` are set per packet."""
        return Env(
            address_types=self.address_type,
            local_addresses=lambda: frozenset(self.local_addresses()),
            route_source=self.route_source,
            iface_select_source=self.iface_select_source,
            iface_first_address=self.iface_first_address,
            nat_tuple_taken=lambda t: self.conntrack.tuple_taken(t),
            route_mtu=lambda addr: self._route_mtu(addr),
        )

    def _route_mtu(self, addr: IPv4Address) -> int | None:
        hit = self.fib.lookup(addr)
        if hit is None:
            return None
        iface = self.interfaces.get(hit.route.dev)
        return iface.mtu if iface else None

    # -- links -------------------------------------------------------------------

    def add_interface(self, name: str, kind: LinkKind, mac: bytes | None = None, mtu: int = 1500) -> Interface:
        if name in self.interfaces:
            raise NetnsError("EEXIST", "File exists")
        if len(name.encode()) > 15:
            raise NetnsError("EINVAL", f'"{name}" not a valid ifname')
        index = self._next_index
        self._next_index += 1
        iface = Interface(name, index, kind, mac if mac is not None else self._macs.mac(index), mtu)
        self.interfaces[name] = iface
        self.sysctls.add_interface(name)
        return iface

    def remove_interface(self, name: str) -> Interface:
        iface = self.interfaces.pop(name)
        self.fib.remove(lambda r: r.dev == name)
        self.sysctls.remove_interface(name)
        return iface

    def set_up(self, name: str, up: bool) -> None:
        iface = self.interfaces[name]
        if iface.admin_up == up:
            return
        iface.admin_up = up
        if up:
            for addr in iface.addresses:
                self._add_connected(iface, addr)
        else:
            # the kernel flushes a downed interface's connected and gateway routes from main
            self.fib.remove(lambda r: r.dev == name and r.table == "main")

    # -- addresses -----------------------------------------------------------------

    def add_address(self, name: str, addr: IPv4Interface) -> None:
        iface = self.interfaces[name]
        if any(a == addr for a in iface.addresses):
            raise NetnsError("EEXIST", "Address already assigned")
        iface.addresses.append(addr)
        for route in self.fib.address_routes(addr, name, iface.is_loopback):
            if route not in self.fib.routes:
                self.fib.add(route)
        if iface.admin_up:
            self._add_connected(iface, addr)

    def remove_address(self, name: str, addr: IPv4Interface) -> None:
        iface = self.interfaces[name]
        if addr not in iface.addresses:
            raise NetnsError("EADDRNOTAVAIL", "Cannot assign requested address")
        iface.addresses.remove(addr)
        self.fib.remove(lambda r: r.dev == name and r.src == addr.ip)

    def _add_connected(self, iface: Interface, addr: IPv4Interface) -> None:
        if iface.is_loopback:
            return  # lo's network is a local route in the local table
        route = self.fib.connected_route(addr, iface.name)
        if route not in self.fib.routes:
            self.fib.add(route)

    def local_addresses(self) -> set[IPv4Address]:
        return {a.ip for i in self.interfaces.values() for a in i.addresses}

    def is_local(self, addr: IPv4Address) -> bool:
        hit = self.fib.lookup(addr)
        return hit is not None and hit.route.kind == "local"

    # -- routes --------------------------------------------------------------------

    def add_route(self, route: Route) -> None:
        if route.dev not in self.interfaces:
            raise NetnsError("ENODEV", "Cannot find device")
        if route.via is not None:
            hop = self.fib.lookup(route.via, usable=lambda r: r.kind == "unicast" and r.via is None)
            if hop is None or hop.route.dev != route.dev:
                raise NetnsError("ENETUNREACH", "Nexthop has invalid gateway.")
        for r in self.fib.routes:
            if r.table == route.table and r.dst == route.dst and r.metric == route.metric:
                raise NetnsError("EEXIST", "File exists")
        self.fib.add(route)

    def gateway_device(self, via: IPv4Address) -> str | None:
        """The interface through which a gateway is directly reachable."""
        hop = self.fib.lookup(via, usable=lambda r: r.kind == "unicast" and r.via is None)
        return hop.route.dev if hop is not None else None
