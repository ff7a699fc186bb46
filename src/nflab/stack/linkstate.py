"""What the kernel reports about a link: carrier, operational state, flags, IPv6 addresses.

A veth end has carrier when both ends are up (``veth_open``); a bridge when
one of its ports forwards (``br_port_state_selection``; with STP off a port
forwards as soon as it is up with carrier), a bridge that never had a port
keeping the carrier it was born with; lo always. The operational state
follows RFC 2863 as the kernel sets it (``rfc2863_policy``): a link without
carrier whose lower device is another (a veth: its peer) is
``LOWERLAYERDOWN``; lo, and a bridge no port event ever touched, stay
``UNKNOWN``.
"""

from __future__ import annotations

from ipaddress import IPv6Address

from .interfaces import DAD_SECONDS, Interface, LinkKind, eui64_link_local
from .netns import Netns

LOOPBACK6 = IPv6Address("::1")


def carrier(netns: Netns, iface: Interface) -> bool:
    if iface.kind is LinkKind.LOOPBACK:
        return True
    if iface.kind is LinkKind.VETH:
        peer = iface.peer_iface
        return iface.admin_up and peer is not None and peer.admin_up
    if not iface.had_ports:
        return True
    return any(p.admin_up and carrier(netns, p) for p in netns.ports(iface.name))


def operstate(netns: Netns, iface: Interface) -> str:
    if not iface.admin_up:
        return "DOWN"
    if iface.kind is LinkKind.LOOPBACK or (iface.kind is LinkKind.BRIDGE and not iface.had_ports):
        return "UNKNOWN"
    if carrier(netns, iface):
        return "UP"
    return "LOWERLAYERDOWN" if iface.kind is LinkKind.VETH else "DOWN"


def flag_words(netns: Netns, iface: Interface) -> list[str]:
    """The ``<...>`` of ``ip link``: IFF_* flags as ``dev_get_flags`` reports them."""
    words: list[str] = []
    running = iface.admin_up and operstate(netns, iface) in ("UP", "UNKNOWN")
    if iface.admin_up and not running:
        words.append("NO-CARRIER")
    words.append("LOOPBACK" if iface.is_loopback else "BROADCAST")
    if not iface.is_loopback:
        words.append("MULTICAST")
    if iface.admin_up:
        words.append("UP")
        if carrier(netns, iface):
            words.append("LOWER_UP")
    return words


def ipv6_addresses(netns: Netns, iface: Interface, now: float) -> list[tuple[IPv6Address, int, str, bool]]:
    """The IPv6 addresses ``ip addr`` shows: (address, prefix length, scope, tentative).

    lo has ``::1`` while up; another link configures its link-local address once
    it is up with carrier (kept when the carrier goes), tentative during DAD.
    """
    if not iface.admin_up:
        return []
    if iface.is_loopback:
        return [(LOOPBACK6, 128, "host", False)]
    if iface.link_local is None and iface.kind is not LinkKind.VETH and carrier(netns, iface):
        iface.link_local = (eui64_link_local(iface.mac), now)  # a bridge: ready when first seen
    if iface.link_local is None:
        return []
    address, since = iface.link_local
    return [(address, 64, "link", now - since < DAD_SECONDS)]
