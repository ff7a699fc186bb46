"""What the kernel reports about a link: carrier, operational state, flags, IPv6 addresses.

A veth end has carrier when both ends are up (``veth_open``); a bridge when
one of its ports forwards (``br_port_state_selection``; with STP off a port
forwards as soon as it is up and operational), a bridge that never had a
port keeping the carrier it was born with; lo always.

The operational state is computed when something happens to the link (it
comes up, its carrier changes: the kernel's linkwatch events), not when it is
shown, and it is shown only while the link is up (``rfc2863_policy``,
``default_operstate``): with carrier it is UP; without, DOWN, or
LOWERLAYERDOWN when the lower device (a veth's peer, looked up by its index
in the link's own namespace) is there and not up. lo, and a bridge no port
event ever touched, stay UNKNOWN.
"""

from __future__ import annotations

from ipaddress import IPv6Address

from .interfaces import DAD_SECONDS, Interface, LinkKind
from .netns import Netns

LOOPBACK6 = IPv6Address("::1")


def carrier(netns: Netns, iface: Interface) -> bool:
    if iface.kind is LinkKind.LOOPBACK:
        return True
    if iface.kind is LinkKind.VETH:
        peer = iface.peer_iface
        return iface.admin_up and peer is not None and peer.admin_up
    return _bridge_carrier(netns, iface)


def _bridge_carrier(netns: Netns, bridge: Interface) -> bool:
    ports = netns.ports(bridge.name)
    if not ports:
        return not bridge.had_ports
    return bridge.admin_up and any(p.admin_up and running(p) for p in ports)


def running(iface: Interface) -> bool:
    """``IFF_RUNNING``: up and operationally up (``netif_oper_up``)."""
    return iface.admin_up and iface.oper in ("UP", "UNKNOWN")


def operstate(netns: Netns, iface: Interface) -> str:
    """The state ``ip link`` shows (``IFLA_OPERSTATE``)."""
    return iface.oper if iface.admin_up else "DOWN"


def refresh(netns: Netns, iface: Interface) -> None:
    """A linkwatch event: compute the link's operational state now."""
    if iface.kind is LinkKind.LOOPBACK:
        return
    if carrier(netns, iface):
        iface.oper = "UP"
        return
    peer = iface.peer_iface
    if iface.kind is not LinkKind.VETH or peer is None or peer.index == iface.index:
        iface.oper = "DOWN"
        return
    lower = next((i for i in netns.interfaces.values() if i.index == peer.index), None)
    iface.oper = "DOWN" if lower is None or running(lower) else "LOWERLAYERDOWN"


def settle_bridges(netns: Netns, touched: tuple[str | None, ...] = ()) -> None:
    """Bridges whose carrier changed with their ports get their event (after the ports');
    a bridge that gains or loses a port (``touched``) gets one in any case."""
    for bridge in netns.interfaces.values():
        if bridge.kind is LinkKind.BRIDGE:
            now_on = _bridge_carrier(netns, bridge)
            if now_on != bridge.carrier_seen or bridge.name in touched:
                bridge.carrier_seen = now_on
                bridge.oper = "UP" if now_on else "DOWN"


def flag_words(netns: Netns, iface: Interface) -> list[str]:
    """The ``<...>`` of ``ip link``: IFF_* flags as ``dev_get_flags`` reports them."""
    words: list[str] = []
    if iface.admin_up and not running(iface):
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
    it is up and operational (kept when the carrier goes), tentative during DAD.
    """
    if not iface.admin_up:
        return []
    if iface.is_loopback:
        return [(LOOPBACK6, 128, "host", False)]
    if iface.ipv6_since is None and iface.kind is not LinkKind.VETH and running(iface):
        iface.configure_ipv6(now)  # a bridge: ready when first seen
    if iface.link_local is None:
        return []
    address, since = iface.link_local
    return [(address, 64, "link", now - since < DAD_SECONDS)]
