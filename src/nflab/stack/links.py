"""The links of a namespace: creating, moving, renaming, deleting interfaces, their state.

A mixin of :class:`~nflab.stack.netns.Netns`. What spans two namespaces (a
veth pair, a move) is done by the lab's network with these steps: a device
that leaves is closed and loses its addresses, routes, bridge and keys
(``unregister``); one that arrives keeps its index when it is free there.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Interface
from typing import TYPE_CHECKING

from .interfaces import IfAddr, Interface, LinkKind
from .neighbour import Neighbours
from .routing import Fib
from .sysctl import Sysctls

IFNAMSIZ = 16
LOOPBACK_NET = IPv4Interface("127.0.0.1/8")


class NetnsError(Exception):
    """A configuration the kernel refuses: ``errno`` is the symbolic errno, ``message``
    the kernel's extended ack text when it gives one."""

    def __init__(self, errno: str, message: str = ""):
        super().__init__(message or errno)
        self.errno = errno
        self.message = message


class Links:
    id: int
    interfaces: dict[str, Interface]
    fib: Fib
    sysctls: Sysctls
    neighbours: Neighbours
    nsids: dict[int, int]
    _next_index: int

    if TYPE_CHECKING:  # provided by Netns and the Inet mixin

        def _default_mac(self, index: int) -> bytes: ...

        def _insert(self, iface: Interface, ifa: IfAddr) -> None: ...

        def _add_ifaddr_routes(self, iface: Interface, ifa: IfAddr) -> None: ...

    # -- peer namespaces -----------------------------------------------------------

    def nsid_of(self, other: int) -> int:
        """The id this namespace knows namespace ``other`` by (``peernet2id_alloc``:
        the lowest free one, given when first needed)."""
        if other not in self.nsids:
            used = set(self.nsids.values())
            self.nsids[other] = next(i for i in range(len(used) + 1) if i not in used)
        return self.nsids[other]

    # -- links -------------------------------------------------------------------

    def _check_name(self, name: str) -> None:
        if name in self.interfaces:
            raise NetnsError("EEXIST")
        if not name or len(name.encode()) >= IFNAMSIZ or "/" in name or name in (".", ".."):
            raise NetnsError("EINVAL", "Attribute failed policy validation")

    def _new_index(self, wanted: int = 0) -> int:
        """``dev_index_reserve``: keep a moved device's index if free, else the next one."""
        used = {i.index for i in self.interfaces.values()}
        if wanted and wanted not in used:
            return wanted
        while self._next_index in used:
            self._next_index += 1
        index = self._next_index
        self._next_index += 1
        return index

    def add_interface(self, name: str, kind: LinkKind, mac: bytes | None = None, mtu: int = 1500) -> Interface:
        self._check_name(name)
        index = self._new_index()
        iface = Interface(name, index, kind, mac if mac is not None else self._default_mac(index), mtu, ns_id=self.id)
        self.interfaces[name] = iface
        self.sysctls.add_interface(name, mtu)
        return iface

    def attach_interface(self, iface: Interface) -> None:
        """A device moved in from another namespace (``dev_change_net_namespace``)."""
        self._check_name(iface.name)
        iface.index = self._new_index(iface.index)
        iface.ns_id = self.id
        self.interfaces[iface.name] = iface
        self.sysctls.add_interface(iface.name, iface.mtu)

    def detach_interface(self, name: str) -> Interface:
        """The device leaves (deleted or moved): closed, its addresses, routes, keys gone,
        out of its bridge; a bridge loses its ports."""
        iface = self.interfaces[name]
        self.set_up(name, False)
        for port in self.ports(name):
            self.set_master(port.name, None)
        if iface.master is not None:
            self.set_master(name, None)
        del self.interfaces[name]
        self.fib.remove(lambda r: r.dev == name)
        self.sysctls.remove_interface(name)
        iface.inet.clear()
        iface.qdisc_attached = False
        return iface

    def remove_interface(self, name: str) -> Interface:
        return self.detach_interface(name)

    def rename_interface(self, old: str, new: str) -> None:
        """``dev_change_name``: routes, keys and ports follow; labels take the new name
        (``inetdev_changename``: the second and later addresses keep or get a ``:N``)."""
        if new == old:
            return
        self._check_name(new)
        iface = self.interfaces.pop(old)
        iface.name = new
        self.interfaces[new] = iface
        self.fib.routes = [replace(r, dev=new) if r.dev == old else r for r in self.fib.routes]
        self.sysctls.rename_interface(old, new)
        self.neighbours.rename_dev(old, new)
        for port in self.interfaces.values():
            if port.master == old:
                port.master = new
        for n, ifa in enumerate(iface.inet):
            if n == 0:
                ifa.label = new
                continue
            suffix = ifa.label[ifa.label.index(":"):] if ":" in ifa.label else f":{n + 1}"
            ifa.label = (new + suffix) if len(new + suffix) < IFNAMSIZ else new[: IFNAMSIZ - 1 - len(suffix)] + suffix

    def set_up(self, name: str, up: bool, now: float = 0.0) -> None:
        iface = self.interfaces[name]
        if iface.admin_up == up:
            return
        iface.admin_up = up
        if not up:
            # NETDEV_DOWN: routes through the device die, host-scope (local) ones stay
            self.fib.remove(lambda r: r.dev == name and r.scope != "host")
            self.neighbours.flush_dev(name)
            iface.unconfigure_ipv6()
            return
        iface.qdisc_attached = True
        if iface.is_loopback:
            if not iface.has_address(LOOPBACK_NET.ip):
                self._insert(iface, IfAddr(LOOPBACK_NET, scope="host", label=name))
            self.sysctls.freeze_interface(name)  # ``inetdev_event``: ipv4_devconf_setall
        for ifa in iface.inet:
            self._add_ifaddr_routes(iface, ifa)
        peer = iface.peer_iface
        if iface.kind is LinkKind.VETH and peer is not None and peer.admin_up:
            iface.configure_ipv6(now)
            peer.configure_ipv6(now)  # the peer's link is ready now too

    def ports(self, bridge: str) -> list[Interface]:
        return [i for i in self.interfaces.values() if i.master == bridge]

    def set_master(self, name: str, master: str | None) -> None:
        """Enslave to a bridge (``br_add_if``) or release (``br_del_if``)."""
        iface = self.interfaces[name]
        old = iface.master
        if master == old:
            return
        if master is not None:
            bridge = self.interfaces[master]
            if bridge.kind is not LinkKind.BRIDGE:
                raise NetnsError("EOPNOTSUPP")
            if iface.kind is LinkKind.BRIDGE:
                raise NetnsError("ELOOP", "Can not enslave a bridge to a bridge")
            if iface.is_loopback:
                raise NetnsError("EINVAL")
        iface.master = master
        for bridge_name in (old, master):
            if bridge_name is not None:
                self._bridge_address(self.interfaces[bridge_name])

    def _bridge_address(self, bridge: Interface) -> None:
        """``br_stp_recalculate_bridge_id``: the lowest port address (zero without ports)."""
        ports = self.ports(bridge.name)
        if ports:
            bridge.had_ports = True
        if not bridge.mac_set:
            bridge.mac = min((p.mac for p in ports), default=bytes(6))

    def set_mac(self, name: str, mac: bytes) -> None:
        iface = self.interfaces[name]
        iface.mac = mac
        if iface.kind is LinkKind.BRIDGE:
            iface.mac_set = True
        elif iface.master is not None:
            self._bridge_address(self.interfaces[iface.master])

    def set_mtu(self, name: str, mtu: int) -> None:
        self.interfaces[name].mtu = mtu
        self.sysctls.set_mtu(name, mtu)

