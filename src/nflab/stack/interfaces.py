"""Network interfaces of one namespace: loopback, veth ends, bridges and their ports.

An interface is mutable state (up/down, addresses, master); what travels on
it are frozen packets. IPv4 addresses are :class:`IfAddr` entries in the
kernel's ``ifa_list`` order (primaries, then secondaries); ``addresses``
lists them as ``ipaddress.IPv4Interface`` values.

Link state follows the kernel: a veth end has carrier when both ends are up;
a bridge has carrier when one of its ports forwards (a bridge that never had
a port keeps the carrier it was born with). IPv6 is not simulated beyond what
``ip addr`` shows: the link-local address an interface configures once its
link is ready (``::1`` on lo), tentative while duplicate address detection runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address

DAD_SECONDS = 1.0  # how long a new link-local address stays tentative (one DAD probe)


class LinkKind(Enum):
    LOOPBACK = "loopback"
    VETH = "veth"
    BRIDGE = "bridge"


@dataclass
class IfAddr:
    """One IPv4 address of an interface (``struct in_ifaddr``)."""

    addr: IPv4Interface  # the local address and prefix length
    scope: str = "global"  # global, link, host
    label: str = ""
    broadcast: IPv4Address | None = None  # only when given (``brd``)
    peer: IPv4Address | None = None  # point-to-point: the prefix is the peer's
    secondary: bool = False
    noprefixroute: bool = False

    @property
    def prefix(self) -> IPv4Network:
        """The network of the prefix route (the peer's, for a point-to-point address)."""
        if self.peer is not None:
            return IPv4Interface(f"{self.peer}/{self.addr.network.prefixlen}").network
        return self.addr.network


@dataclass
class Interface:
    name: str
    index: int
    kind: LinkKind
    mac: bytes
    mtu: int = 1500
    admin_up: bool = False
    inet: list[IfAddr] = field(default_factory=list)
    master: str | None = None  # the bridge this interface is a port of
    # the other end of a veth pair (an interface of this or another namespace)
    peer_iface: Interface | None = field(default=None, compare=False, repr=False)
    ns_id: int = 0  # the namespace the interface is in now
    qdisc_attached: bool = False  # ``noqueue`` once the link was up, ``noop`` before
    had_ports: bool = False  # a bridge that ever had a port
    oper: str = "UNKNOWN"  # the operational state as last computed (``dev->operstate``)
    carrier_seen: bool = True  # a bridge's carrier when its state was last computed
    mac_set: bool = False  # a bridge whose address was set by hand keeps it
    link_local: tuple[IPv6Address, float] | None = None  # address, since when
    ipv6_since: float | None = None  # IPv6 configured (link ready) since the link came up

    # -- addresses ----------------------------------------------------------------

    @property
    def addresses(self) -> list[IPv4Interface]:
        return [a.addr for a in self.inet]

    @property
    def is_loopback(self) -> bool:
        return self.kind is LinkKind.LOOPBACK

    @property
    def primary_address(self) -> IPv4Address | None:
        """The first address (what MASQUERADE and REDIRECT use)."""
        return self.inet[0].addr.ip if self.inet else None

    def has_address(self, addr: IPv4Address) -> bool:
        return any(a.addr.ip == addr for a in self.inet)

    def configure_ipv6(self, now: float) -> None:
        """``addrconf_dev_config``: the link is ready; its link-local address starts DAD."""
        if self.ipv6_since is None:
            self.ipv6_since = now
            self.link_local = (eui64_link_local(self.mac), now)

    def unconfigure_ipv6(self) -> None:
        self.ipv6_since = None
        self.link_local = None

    # -- the veth peer ------------------------------------------------------------

    @property
    def peer(self) -> tuple[int, str] | None:
        """The other end of a veth: (namespace id, interface name)."""
        other = self.peer_iface
        return None if other is None else (other.ns_id, other.name)

    @property
    def peer_name(self) -> str:
        return self.peer_iface.name if self.peer_iface is not None else ""


def mac_text(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)


def eui64_link_local(mac: bytes) -> IPv6Address:
    """``fe80::/64`` with the interface identifier made from the MAC (``addrconf_ifid_eui48``)."""
    ident = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:6]
    return IPv6Address(b"\xfe\x80" + bytes(6) + ident)
