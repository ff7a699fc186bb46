"""The IPv4 addresses and routes of a namespace, kept as the kernel keeps them.

A mixin of :class:`~nflab.stack.netns.Netns`: ``inet_insert_ifa`` and
``__inet_del_ifa`` for addresses (primaries and secondaries), the routes they
bring (``fib_add_ifaddr``), and route changes checked as ``fib_create_info``
checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from .interfaces import IfAddr, Interface
from .links import NetnsError
from .neighbour import Neighbours
from .routing import Fib, Route
from .sysctl import Sysctls


class Inet:
    interfaces: dict[str, Interface]
    fib: Fib
    sysctls: Sysctls
    neighbours: Neighbours

    # -- addresses -----------------------------------------------------------------

    def add_address(self, name: str, addr: IPv4Interface | IfAddr) -> None:
        """``inet_insert_ifa``: an address in the subnet of a primary becomes secondary."""
        iface = self.interfaces[name]
        ifa = addr if isinstance(addr, IfAddr) else IfAddr(addr, label=name)
        ifa.label = ifa.label or name
        for other in iface.inet:
            if other.addr.network.prefixlen == ifa.addr.network.prefixlen and ifa.prefix.network_address in other.prefix:
                if other.addr.ip == ifa.addr.ip:
                    raise NetnsError("EEXIST", "ipv4: Address already assigned")
                if other.scope != ifa.scope:
                    raise NetnsError("EINVAL")
                ifa.secondary = True
        self._insert(iface, ifa)
        self.sysctls.freeze_interface(name)  # ``inet_rtm_newaddr``: ipv4_devconf_setall

    def _insert(self, iface: Interface, ifa: IfAddr) -> None:
        where = len(iface.inet)
        if not ifa.secondary:
            # after the last primary whose scope is not narrower
            where = 0
            for n, other in enumerate(iface.inet):
                if not other.secondary and _SCOPES[ifa.scope] <= _SCOPES[other.scope]:
                    where = n + 1
        iface.inet.insert(where, ifa)
        self._add_ifaddr_routes(iface, ifa)

    def _primary_of(self, iface: Interface, ifa: IfAddr) -> IfAddr:
        if not ifa.secondary:
            return ifa
        for other in iface.inet:
            if not other.secondary and other.addr.network == ifa.addr.network:
                return other
        return ifa

    def _add_ifaddr_routes(self, iface: Interface, ifa: IfAddr) -> None:
        prim = self._primary_of(iface, ifa)
        self.fib.add_unique(self.fib.ifaddr_routes(ifa, prim, iface.name, iface.is_loopback, iface.admin_up))

    def find_address(self, name: str, local: IPv4Address, prefixlen: int | None) -> IfAddr | None:
        for ifa in self.interfaces[name].inet:
            if ifa.addr.ip == local and prefixlen in (None, ifa.addr.network.prefixlen):
                return ifa
        return None

    def remove_address(self, name: str, addr: IPv4Interface | IfAddr) -> None:
        """``__inet_del_ifa``: a primary takes its secondaries with it, unless
        ``promote_secondaries`` makes the first of them primary."""
        iface = self.interfaces[name]
        ifa = addr if isinstance(addr, IfAddr) else self.find_address(name, addr.ip, addr.network.prefixlen)
        if ifa is None or ifa not in iface.inet:
            raise NetnsError("EADDRNOTAVAIL", "ipv4: Address not found")
        gone = [ifa]
        promoted = None
        if not ifa.secondary:
            subnet = [o for o in iface.inet if o.secondary and o.addr.network == ifa.addr.network]
            if subnet and self.sysctls.conf(name, "promote_secondaries"):
                promoted = subnet[0]
            else:
                gone += subnet
        for old in gone:
            iface.inet.remove(old)
            self._drop_ifaddr_routes(iface, old)
        if promoted is not None:
            for route in self.fib.routes:
                if route.dev == name and route.src == ifa.addr.ip and route.kind == "local":
                    self.fib.routes.remove(route)
                    break
            iface.inet.remove(promoted)
            promoted.secondary = False
            self._insert(iface, promoted)
        if not iface.inet:
            # ``fib_inetaddr_event``: the device's last address is gone, ``fib_disable_ip``
            # (forced): every route through it dies (a default route too), and its neighbours
            self.fib.remove(lambda r: r.dev == name)
            self.neighbours.flush_dev(name)

    def _drop_ifaddr_routes(self, iface: Interface, ifa: IfAddr) -> None:
        """``fib_del_ifaddr``, simplified: the address's local route, and the prefix and
        broadcast routes it was the source of."""
        ip = ifa.addr.ip
        still_local = ip in self.local_addresses()

        def brought(r: Route) -> bool:
            if r.dev != iface.name or r.proto != "kernel":
                return False
            if r.kind == "local" and r.dst == IPv4Network(ip):
                return not still_local
            return not ifa.secondary and r.src == ip

        self.fib.remove(brought)

    def local_addresses(self) -> set[IPv4Address]:
        return {a.ip for i in self.interfaces.values() for a in i.addresses}

    def is_local(self, addr: IPv4Address) -> bool:
        hit = self.fib.lookup(addr)
        return hit is not None and hit.route.kind == "local"

    # -- routes --------------------------------------------------------------------

    def add_route(self, route: Route, replace_existing: bool = False) -> None:
        """``fib_table_insert`` with the checks of ``fib_create_info`` (a destination with
        host bits set, "Invalid prefix for given prefix length", cannot be an IPv4Network:
        the ``ip`` program checks that)."""
        if route.kind in ("unicast", "local", "broadcast"):
            self._check_nexthop(route)
        if route.src is not None and route.src not in self.local_addresses():
            raise NetnsError("EINVAL", "Invalid prefsrc address")
        same = [r for r in self.fib.routes if (r.table, r.dst, r.metric) == (route.table, route.dst, route.metric)]
        if same and not replace_existing:
            raise NetnsError("EEXIST")
        if same:
            self.fib.routes[self.fib.routes.index(same[0])] = route
            return
        self.fib.add(route)

    def _check_nexthop(self, route: Route) -> None:
        """``fib_check_nh``: a device that exists and is up, a gateway on one of its links."""
        if not route.dev:
            raise NetnsError("ENODEV")
        if route.dev not in self.interfaces:
            raise NetnsError("ENODEV")
        up = self.interfaces[route.dev].admin_up
        if route.scope == "host":
            if route.via is not None:
                raise NetnsError("EINVAL", "Route with host scope can not have a gateway")
            return
        if route.via is None:
            if not up:
                raise NetnsError("ENETDOWN", "Device for nexthop is not up")
            return
        if route.onlink:
            if not up:
                raise NetnsError("ENETDOWN", "Nexthop device is not up")
            return
        hop = self._gateway_route(route.via, route.dev)
        if hop is None:
            raise NetnsError("EINVAL", "Nexthop has invalid gateway")
        if not self.interfaces[hop.dev].admin_up:
            raise NetnsError("ENETDOWN")

    def _gateway_route(self, via: IPv4Address, dev: str | None = None) -> Route | None:
        """``fib_check_nh_v4_gw``: a route of scope link or host to the gateway (through
        ``dev`` when given), of type unicast or local."""
        hop = self.fib.lookup(
            via,
            usable=lambda r: r.scope in ("link", "host") and r.kind in ("unicast", "local")
            and (dev is None or r.dev == dev),
        )
        return None if hop is None else hop.route

    def delete_route(self, match: RouteMatch) -> Route:
        """``fib_table_delete``: the first route the given fields match."""
        for route in sorted(self.fib.routes, key=display_order):
            if match.matches(route):
                self.fib.routes.remove(route)
                return route
        raise NetnsError("ESRCH")

    def gateway_device(self, via: IPv4Address) -> str | None:
        """The interface through which a gateway is directly reachable."""
        hop = self._gateway_route(via)
        return hop.dev if hop is not None else None


_SCOPES = {"global": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """What ``ip route del`` gave: the destination and table, and the fields to check."""

    dst: IPv4Network
    table: str = "main"
    kind: str | None = None
    via: IPv4Address | None = None
    dev: str | None = None
    src: IPv4Address | None = None
    proto: str | None = None
    scope: str | None = None
    metric: int | None = None

    def matches(self, r: Route) -> bool:
        wanted = (self.kind, self.via, self.dev, self.src, self.proto, self.scope, self.metric)
        actual = (r.kind, r.via, r.dev, r.src, r.proto, r.scope, r.metric)
        return (r.dst, r.table) == (self.dst, self.table) and all(
            w is None or w == a for w, a in zip(wanted, actual, strict=True)
        )


def display_order(route: Route) -> tuple[int, int, int]:
    """The order of a table dump: by destination, longer prefixes first, then metric."""
    return int(route.dst.network_address), -route.dst.prefixlen, route.metric
