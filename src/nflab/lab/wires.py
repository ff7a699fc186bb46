"""Ethernet between namespaces: veth wires, bridges, ARP, and taps for captures.

- A frame sent on a veth end arrives on its peer after :data:`WIRE_DELAY`.
- A frame arriving on a bridge port is bridged (``br_handle_frame``): the
  bridge learns the source MAC, then forwards, floods or hands the frame up
  the bridge device's own stack. With ``net.bridge.bridge-nf-call-iptables=1``
  (the default once br_netfilter is loaded, as on this kernel) bridged IPv4
  frames also traverse iptables: PREROUTING on the way in (with ``-i`` the
  bridge and ``--physdev-in`` the port), FORWARD and POSTROUTING when bridged
  to another port; a frame for the bridge itself goes on to routing and INPUT
  without a second PREROUTING (``ip_sabotage_in``).
- ARP answers requests for any local address of the namespace (``arp_ignore=0``).
- Captures (tcpdump) see every frame sent or received on their interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Protocol

from ..netfilter.skb import Skb
from ..packet.arp import Arp, ArpOp
from ..packet.ethernet import BROADCAST, ZERO_MAC, Frame
from ..packet.headers import Packet
from ..stack.bridge import LOCAL, Fdb, destinations
from ..stack.interfaces import LinkKind
from ..stack.neighbour import NeighbourHooks

if TYPE_CHECKING:
    from .network import Network, NsHandle

WIRE_DELAY = 0.0001  # seconds a frame spends on a veth (100 µs)


class Tap(Protocol):
    def offer(self, timestamp: float, frame: Frame) -> str | None: ...


class Wires:
    def __init__(self, network: Network) -> None:
        self.network = network
        self.fdbs: dict[tuple[int, str], Fdb] = {}
        self.taps: dict[tuple[int, str], list[Callable[[Frame], None]]] = {}

    @property
    def now(self) -> float:
        return self.network.scheduler.now

    # -- captures --------------------------------------------------------------------------

    def add_tap(self, handle: NsHandle, dev: str, tap: Callable[[Frame], None]) -> Callable[[], None]:
        """Call ``tap`` for every frame on ``dev``; returns the function that removes it."""
        key = (handle.netns.id, dev)
        self.taps.setdefault(key, []).append(tap)
        return lambda: self.taps.get(key, []).remove(tap) if tap in self.taps.get(key, []) else None

    def _tap(self, handle: NsHandle, dev: str, frame: Frame) -> None:
        for tap in list(self.taps.get((handle.netns.id, dev), ())):
            tap(frame)

    def loopback(self, handle: NsHandle, packet: Packet) -> None:
        """A packet looping through ``lo`` (captured once, with zero MAC addresses)."""
        self._tap(handle, "lo", Frame.of(ZERO_MAC, ZERO_MAC, packet))

    # -- the neighbour layer's services ------------------------------------------------------

    def neighbour_hooks(self, handle: NsHandle) -> NeighbourHooks:
        scheduler = self.network.scheduler

        def cancel(timer: object) -> None:
            timer.cancelled = True  # type: ignore[attr-defined]

        return NeighbourHooks(
            solicit=lambda dev, target, packet, mac: self._solicit(handle, dev, target, packet, mac),
            now=lambda: scheduler.now,
            later=scheduler.call_later,
            cancel=cancel,
            send=lambda dev, packet, mac, skb: self.send(
                handle, dev, Frame.of(mac, handle.netns.interfaces[dev].mac, packet)
            ),
            unreachable=lambda packet, skb: handle.ip.host_unreachable(packet),
        )

    def _solicit(self, handle: NsHandle, dev: str, target: IPv4Address, packet: Packet | None,
                 mac: bytes | None) -> None:
        """``arp_solicit``: the sender address is the waiting packet's own source when it is
        ours (``arp_announce=0``), else one of the device's addresses; a probe of a known
        neighbour goes to its address (``mac``), a resolution to everyone."""
        netns = handle.netns
        iface = netns.interfaces.get(dev)
        if iface is None:
            return
        src = packet.ip.src if packet is not None else None
        if src is None or src not in netns.local_addresses():
            src = netns.iface_select_source(dev, target) or IPv4Address(0)
        request = Arp.request(iface.mac, src, target)
        self.send(handle, dev, Frame.of(mac or BROADCAST, iface.mac, request))

    # -- sending ---------------------------------------------------------------------------

    def send(self, handle: NsHandle, dev: str, frame: Frame) -> None:
        """A frame leaves ``dev`` (``dev_queue_xmit``)."""
        netns = handle.netns
        iface = netns.interfaces.get(dev)
        if iface is None or not iface.admin_up:
            return
        self._tap(handle, dev, frame)
        if iface.kind is LinkKind.BRIDGE:
            self._bridge_out(handle, dev, frame)
            return
        peer = iface.peer_iface
        if iface.kind is not LinkKind.VETH or peer is None:
            return
        other = self.network.by_id.get(peer.ns_id)
        if other is None or not peer.admin_up:
            return
        self.network.scheduler.call_later(WIRE_DELAY, lambda: self.receive(other, peer.name, frame))

    # -- receiving -------------------------------------------------------------------------

    def receive(self, handle: NsHandle, dev: str, frame: Frame) -> None:
        """A frame arrives on ``dev`` (``netif_receive_skb``)."""
        iface = handle.netns.interfaces.get(dev)
        if iface is None or not iface.admin_up:
            return
        self._tap(handle, dev, frame)
        if iface.master is not None:
            self._bridge_in(handle, iface.master, dev, frame)
            return
        self._host_input(handle, dev, frame)

    def _host_input(self, handle: NsHandle, dev: str, frame: Frame, skb: Skb | None = None) -> None:
        iface = handle.netns.interfaces[dev]
        if frame.dst not in (iface.mac, BROADCAST) and not frame.dst[0] & 1:
            return  # PACKET_OTHERHOST: not for us
        payload = frame.payload
        if isinstance(payload, Arp):
            self._arp_input(handle, dev, payload, to_us=frame.dst == iface.mac)
        elif isinstance(payload, Packet):
            rx = skb or Skb(packet=payload, in_iface=dev)
            rx.src_mac = frame.src
            rx.mac_header = frame.dst + frame.src + frame.ethertype.to_bytes(2, "big")
            rx.pkttype = "broadcast" if frame.dst == BROADCAST else ("multicast" if frame.dst[0] & 1 else "host")
            handle.ip.receive(payload, dev, rx, prerouting_done=skb is not None)

    def _arp_input(self, handle: NsHandle, dev: str, arp: Arp, to_us: bool) -> None:
        """``arp_process``: answer for our addresses, learn the asker and the answers. Only
        a reply sent to us (``PACKET_HOST``) proves the neighbour reachable; any other ARP
        packet from a neighbour we know refreshes its address (STALE)."""
        netns = handle.netns
        iface = netns.interfaces[dev]
        neighbours = netns.neighbours
        if arp.op == ArpOp.REQUEST and netns.address_type(arp.target_ip) == "LOCAL":
            neighbours.learn(dev, arp.sender_ip, arp.sender_mac, create=True)
            answer = Arp.reply(iface.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
            self.send(handle, dev, Frame.of(arp.sender_mac, iface.mac, answer))
            return
        reachable = arp.op == ArpOp.REPLY and to_us
        neighbours.learn(dev, arp.sender_ip, arp.sender_mac, create=False, reachable=reachable)

    # -- bridges ---------------------------------------------------------------------------

    def _fdb(self, handle: NsHandle, bridge: str) -> Fdb:
        return self.fdbs.setdefault((handle.netns.id, bridge), Fdb())

    def _ports(self, handle: NsHandle, bridge: str) -> list[str]:
        return [i.name for i in handle.netns.interfaces.values() if i.master == bridge and i.admin_up]

    def _bridge_out(self, handle: NsHandle, bridge: str, frame: Frame) -> None:
        """The bridge device's own stack sends: the frame is bridged from the LOCAL port."""
        for port in destinations(self._fdb(handle, bridge), frame.dst, LOCAL, self._ports(handle, bridge),
                                 handle.netns.interfaces[bridge].mac, self.now):
            if port != LOCAL:
                self.send(handle, port, frame)

    def _bridge_in(self, handle: NsHandle, bridge: str, port: str, frame: Frame) -> None:
        netns = handle.netns
        br = netns.interfaces.get(bridge)
        if br is None or not br.admin_up:
            return
        fdb = self._fdb(handle, bridge)
        fdb.learn(frame.src, port, self.now)
        targets = destinations(fdb, frame.dst, port, self._ports(handle, bridge), br.mac, self.now)
        packet = frame.payload
        skb: Skb | None = None
        if isinstance(packet, Packet) and netns.sysctls.get_int("net.bridge.bridge-nf-call-iptables", 1):
            skb = Skb(packet=packet, in_iface=bridge, bridge_in=port, src_mac=frame.src)
            skb.mac_header = frame.dst + frame.src + b"\x08\x00"
            if not handle.ip.hook_only("PREROUTING", skb):
                return
            if skb.packet != packet:  # DNAT: br_netfilter re-routes the packet through the bridge's stack
                frame = replace(frame, dst=br.mac, payload=skb.packet)
                targets = [LOCAL]
            else:
                frame = replace(frame, payload=skb.packet)
        for target in targets:
            if target == LOCAL:
                self._host_input(handle, bridge, frame, skb)
            else:
                self._bridge_forward(handle, bridge, port, target, frame, skb)

    def _bridge_forward(self, handle: NsHandle, bridge: str, in_port: str, out_port: str,
                        frame: Frame, skb: Skb | None) -> None:
        """A bridged frame, through FORWARD and POSTROUTING when br_netfilter applies."""
        if skb is not None and isinstance(frame.payload, Packet):
            # the bridge forwards the skb itself (a flood clones it, header fields and all:
            # mark, nf_trace, the link-layer header)
            fwd = Skb(packet=frame.payload, in_iface=bridge, out_iface=bridge, bridge_in=in_port,
                      bridge_out=out_port, src_mac=frame.src, ct=skb.ct, ctstate=skb.ctstate,
                      ct_reply=skb.ct_reply, mark=skb.mark, trace=skb.trace,
                      mac_header=skb.mac_header, extra=dict(skb.extra))
            if not handle.ip.hook_only("FORWARD", fwd):
                return
            fwd.in_iface = ""  # ``br_nf_post_routing`` passes no input device
            if not handle.ip.hook_only("POSTROUTING", fwd):
                return
            frame = replace(frame, payload=fwd.packet)
        self.send(handle, out_port, frame)

