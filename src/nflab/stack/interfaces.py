"""Network interfaces of one namespace: loopback, veth ends, bridges and their ports.

An interface is mutable state (up/down, addresses, master); what travels on
it are frozen packets. Addresses are ``ipaddress.IPv4Interface`` values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface


class LinkKind(Enum):
    LOOPBACK = "loopback"
    VETH = "veth"
    BRIDGE = "bridge"


@dataclass
class Interface:
    name: str
    index: int
    kind: LinkKind
    mac: bytes
    mtu: int = 1500
    admin_up: bool = False
    addresses: list[IPv4Interface] = field(default_factory=list)
    master: str | None = None  # the bridge this interface is a port of
    # the other end of a veth pair: (namespace id, interface name), set by the lab
    peer: tuple[int, str] | None = None
    peer_name: str = ""  # shown as ``veth0@veth1``

    @property
    def is_loopback(self) -> bool:
        return self.kind is LinkKind.LOOPBACK

    @property
    def primary_address(self) -> IPv4Address | None:
        """The first address (what MASQUERADE and REDIRECT use)."""
        return self.addresses[0].ip if self.addresses else None

    def has_address(self, addr: IPv4Address) -> bool:
        return any(a.ip == addr for a in self.addresses)


def mac_text(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)
