"""Link changes that involve two namespaces: veth pairs, moves, deletion, a namespace's end.

``resolve(ns_id)`` finds a namespace by its id (the lab's network knows them
all). Namespaces learn each other's ids (``nsid``) the way the kernel hands
them out: when a link notification or a dump first has to name the other
namespace (a veth created across them, a device moved, a carrier change).
"""

from __future__ import annotations

from collections.abc import Callable

from .interfaces import Interface, LinkKind
from .links import NetnsError
from .linkstate import carrier, refresh, settle_bridges
from .netns import Netns

Resolve = Callable[[int], Netns | None]


def veth_pair(a: Netns, a_name: str, b: Netns, b_name: str) -> tuple[Interface, Interface]:
    """``ip link add A type veth peer name B [netns NS]`` run in ``a`` (``veth_newlink``
    registers the peer first)."""
    if a_name in a.interfaces or b_name in b.interfaces or (a is b and a_name == b_name):
        raise NetnsError("EEXIST")
    end_b = b.add_interface(b_name, LinkKind.VETH)
    try:
        end_a = a.add_interface(a_name, LinkKind.VETH)
    except NetnsError:
        b.detach_interface(b_name)
        raise
    end_a.peer_iface, end_b.peer_iface = end_b, end_a
    if a is not b:
        a.nsid_of(b.id)
    return end_a, end_b


def peer_netns(iface: Interface, resolve: Resolve) -> Netns | None:
    peer = iface.peer_iface
    return None if peer is None else resolve(peer.ns_id)


def set_link_up(netns: Netns, name: str, up: bool, now: float, resolve: Resolve) -> None:
    """``ip link set DEV up|down``. A veth computes its state when it opens; when its
    peer is up, both ends' carrier changes (``veth_open``/``veth_close``) and their
    linkwatch events follow, then their bridges'."""
    iface = netns.interfaces[name]
    if iface.admin_up == up:
        return
    netns.set_up(name, up, now)
    peer, other = iface.peer_iface, peer_netns(iface, resolve)
    if iface.kind is LinkKind.VETH and up:
        refresh(netns, iface)
    if peer is not None and other is not None and peer.admin_up:
        refresh(netns, iface)
        refresh(other, peer)
        if other is not netns:
            other.nsid_of(netns.id)
    if other is not None and other is not netns:
        netns.nsid_of(other.id)
        settle_bridges(other)
    settle_bridges(netns)


def set_master(netns: Netns, name: str, master: str | None) -> None:
    """``ip link set DEV master BR|nomaster``; the bridge's carrier may change."""
    old = netns.interfaces[name].master
    netns.set_master(name, master)
    if old != master:
        settle_bridges(netns, (old, master))


def delete_link(netns: Netns, name: str, resolve: Resolve) -> None:
    """``ip link del DEV``: a veth goes with its peer; lo cannot go."""
    iface = netns.interfaces[name]
    if iface.is_loopback:
        raise NetnsError("EOPNOTSUPP")
    peer = iface.peer_iface
    other = peer_netns(iface, resolve)
    netns.detach_interface(name)
    if peer is not None and other is not None and other.interfaces.get(peer.name) is peer:
        other.detach_interface(peer.name)
        settle_bridges(other)
    settle_bridges(netns)
    iface.peer_iface = None
    if peer is not None:
        peer.peer_iface = None


def move_link(src: Netns, name: str, dst: Netns, resolve: Resolve) -> None:
    """``ip link set DEV netns NS``: the device arrives closed and bare, with its
    address and its peer; lo and bridges stay where they are."""
    iface = src.interfaces[name]
    if iface.kind is not LinkKind.VETH:
        raise NetnsError("EINVAL", "The interface netns is immutable")
    if dst is src:
        return
    if name in dst.interfaces:
        raise NetnsError("EEXIST")
    had_carrier = carrier(src, iface)
    src.detach_interface(name)
    dst.attach_interface(iface)
    src.nsid_of(dst.id)
    other = peer_netns(iface, resolve)
    if other is not None and iface.peer_iface is not None and had_carrier:
        refresh(other, iface.peer_iface)  # its carrier went when the device closed
        settle_bridges(other)
    settle_bridges(src)
    if other is not None and other is not dst:
        dst.nsid_of(other.id)


def destroy_namespace(netns: Netns, resolve: Resolve, everyone: list[Netns]) -> None:
    """The last reference to a namespace is gone: its veths (and their peers) and
    bridges are deleted, and the other namespaces forget its id."""
    for name in [n for n, i in netns.interfaces.items() if not i.is_loopback]:
        if name in netns.interfaces:
            delete_link(netns, name, resolve)
    for other in everyone:
        other.nsids.pop(netns.id, None)
