"""The transport layer of one namespace: packets the IP layer delivered, to sockets;
packets sockets send, to the IP layer.

``receive`` is ``ip_local_deliver_finish``: TCP, UDP and ICMP each have their
layer; any other protocol gets an ICMP protocol unreachable, a UDP datagram
nobody takes an ICMP port unreachable (``icmp_send``, which also sends no
error about a broadcast). Everything a socket or the kernel sends leaves
with ``IpStack.local_out``, so OUTPUT and POSTROUTING see it; a False
answer means netfilter dropped it (EPERM for the sender).

IPv6 exists only as ``::1`` on lo (enough for programs that try ``::1``
before 127.0.0.1): its segments and datagrams go straight back to this
transport, without packets, hooks or traces; the socket layer also lets a
dual-stack ``::`` socket take IPv4 traffic.
"""

from __future__ import annotations

import errno
import random
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING, Any

from ..lab.scheduler import Scheduler, Signal
from ..netfilter.reject import icmp_unreach, reset_header
from ..netfilter.skb import Skb, XtVerdict
from ..packet.headers import (
    IPPROTO_ICMP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    TCP,
    UDP,
    IPv4,
    Packet,
)
from .icmp import IcmpLayer
from .netns import Netns
from .ports import IPAddress, PortTable
from .tcp import Segment
from .tcp_layer import TcpLayer
from .tcp_types import RST
from .timer_wheel import wheel_delay
from .udp import Datagram, UdpLayer

if TYPE_CHECKING:
    from .ip import IpStack

LOOPBACK6 = IPv6Address(1)
ICMP_PROT_UNREACH, ICMP_PORT_UNREACH = 2, 3
_ECN_MASK = 0x03



class Transport:
    def __init__(self, netns: Netns, scheduler: Scheduler, rng: random.Random) -> None:
        self.netns = netns
        self.scheduler = scheduler
        self.rng = rng
        self._ip: IpStack | None = None
        self.tcp = TcpLayer(self)
        self.udp = UdpLayer(self)
        self.icmp = IcmpLayer(self)

    @property
    def ip(self) -> IpStack:
        assert self._ip is not None, "the transport is not attached to an IpStack"
        return self._ip

    def attach(self, ip: IpStack) -> None:
        self._ip = ip

    # -- services ----------------------------------------------------------------------------

    def now(self) -> float:
        return self.scheduler.now

    def timer(self, delay: float, action: Callable[[], None]) -> Any:
        """A kernel ``timer_list`` (TCP's timers): it runs on the timer wheel's schedule."""
        return self.scheduler.call_later(wheel_delay(self.scheduler.now, delay), action)

    def signal(self) -> Signal:
        return Signal(self.scheduler)

    def sysctl(self, name: str, default: int = 0, index: int = 0) -> int:
        value = self.netns.sysctls.get(name)
        if value is None:
            return default
        fields = value.split()
        try:
            return int(fields[index])
        except (IndexError, ValueError):
            return default

    def port_range(self) -> tuple[int, int]:
        return (
            self.sysctl("net.ipv4.ip_local_port_range", 32768, 0),
            self.sysctl("net.ipv4.ip_local_port_range", 60999, 1),
        )

    def ephemeral_udp(self, ports: PortTable) -> int | None:
        return ports.ephemeral(self.rng, self.port_range(), None)

    def default_ttl(self) -> int:
        return self.sysctl("net.ipv4.ip_default_ttl", 64)

    def address_type(self, addr: IPv4Address) -> str:
        return self.netns.address_type(addr)

    # -- routing -------------------------------------------------------------------------

    def source_for(self, dst: IPAddress, device: str = "") -> IPAddress | None:
        """The source address ``ip_route_connect`` picks, None: no route (ENETUNREACH);
        ``device``: the socket's SO_BINDTODEVICE."""
        if isinstance(dst, IPv6Address):
            return LOOPBACK6 if dst == LOOPBACK6 else None
        return self.ip.source_for(dst, device)[0]

    def source4(self, dst: IPv4Address) -> IPv4Address | None:
        return self.ip.source_for(dst)[0]

    def path_mtu(self, dst: IPAddress) -> int:
        lo = self.netns.interfaces["lo"].mtu
        if isinstance(dst, IPv6Address):
            return lo
        hit = self.ip.route(dst)
        if hit is None or hit.route.kind == "local":
            return lo
        iface = self.netns.interfaces.get(hit.route.dev)
        return iface.mtu if iface is not None else 1500

    # -- output --------------------------------------------------------------------------

    def output_ip(self, packet: Packet, owner: tuple[int, int] | None, device: str = "",
                  confirm: bool = False) -> bool:
        skb = Skb(packet)
        if owner is not None:
            skb.sock_uid, skb.sock_gid = owner
        if confirm:
            skb.extra["dst_pending_confirm"] = True
        return self.ip.local_out(packet, skb, device) is not XtVerdict.DROP

    def output_tcp(
        self,
        src: IPAddress,
        dst: IPAddress,
        tcp: TCP,
        payload: bytes,
        ident: int,
        owner: tuple[int, int] | None,
        tos: int = 0,
        ttl: int | None = None,
        device: str = "",
        confirm: bool = False,
    ) -> bool:
        if isinstance(src, IPv6Address) or isinstance(dst, IPv6Address):
            seg = Segment(src, dst, tcp, payload, "lo")
            self.scheduler.call_soon(lambda: self.tcp.input(seg))
            return True
        ttl = self.default_ttl() if ttl is None else ttl
        ip = IPv4(src, dst, IPPROTO_TCP, ttl=ttl, tos=tos, ident=ident)
        return self.output_ip(Packet(ip, tcp, payload), owner, device, confirm)

    def send_tcp_reset(self, seg: Segment) -> None:
        """``tcp_v4_send_reset``: from the segment's destination, reflecting its TOS, IP id 0."""
        if seg.tcp.flags & RST or self._not_unicast(seg.dst):
            return
        rst = reset_header(seg.tcp, len(seg.payload))
        self.output_tcp(seg.dst, seg.src, rst, b"", 0, None, seg.tos & ~_ECN_MASK)

    def output_udp(
        self,
        src: IPAddress,
        dst: IPAddress,
        sport: int,
        dport: int,
        payload: bytes,
        owner: tuple[int, int] | None,
        tos: int = 0,
        ttl: int | None = None,
    ) -> bool:
        if isinstance(dst, IPv6Address):
            self.scheduler.call_soon(
                lambda: self._udp6_input(Datagram(src, dst, sport, dport, payload))
            )
            return True
        assert isinstance(src, IPv4Address)
        ttl = self.default_ttl() if ttl is None else ttl
        ip = IPv4(src, dst, IPPROTO_UDP, ttl=ttl, tos=tos, ident=self.rng.getrandbits(16))
        return self.output_ip(Packet(ip, UDP(sport, dport), payload), owner)

    def _udp6_input(self, d: Datagram) -> None:
        if not self.udp.input(d):
            # what an ICMPv6 port unreachable would tell the sender
            self.udp.icmp_error(d.src, d.sport, d.dst, d.dport, errno.ECONNREFUSED, True)

    def _not_unicast(self, addr: IPAddress) -> bool:
        return isinstance(addr, IPv4Address) and self.address_type(addr) in (
            "BROADCAST",
            "MULTICAST",
        )

    # -- input ---------------------------------------------------------------------------

    def receive(self, skb: Skb) -> None:
        """A packet that passed INPUT (what the IpStack's ``deliver`` hands on)."""
        packet = skb.packet
        ip = packet.ip
        dev = self.arrival_device(skb)
        if ip.proto == IPPROTO_TCP:
            if packet.tcp is not None:  # (reassembly is not simulated: fragments are lost)
                self.tcp.input(Segment(ip.src, ip.dst, packet.tcp, packet.payload, dev, ip.tos))
        elif ip.proto == IPPROTO_UDP:
            udp = packet.udp
            if udp is None:
                return
            broadcast = self._not_unicast(ip.dst)
            d = Datagram(ip.src, ip.dst, udp.sport, udp.dport, packet.payload, dev, broadcast)
            if not self.udp.input(d) and not broadcast:
                self._unreachable(skb, ICMP_PORT_UNREACH)
        elif ip.proto == IPPROTO_ICMP:
            self.icmp.input(skb, dev)
        else:
            self._unreachable(skb, ICMP_PROT_UNREACH)

    def arrival_device(self, skb: Skb) -> str:
        """The device sockets bound with SO_BINDTODEVICE are compared with (``inet_iif``):
        a packet this host sent itself counts as arriving on the device of the address it
        is sent to (``rt_iif`` is the local route's device), not on lo."""
        if skb.in_iface != "lo":
            return skb.in_iface
        hit = self.ip.route(skb.packet.ip.dst)
        return hit.route.dev if hit is not None and hit.route.kind == "local" else "lo"

    def _unreachable(self, skb: Skb, code: int) -> None:
        """``icmp_send(skb, ICMP_DEST_UNREACH, code)`` (its rate limit is not simulated)."""
        packet = skb.packet
        error = icmp_unreach(
            packet,
            code,
            source=lambda: self.source4(packet.ip.src),
            local=True,
            ttl=self.default_ttl(),
            ident=self.rng.getrandbits(16),
            pkttype=skb.pkttype,
            dst_type=self.address_type(packet.ip.dst),
        )
        if error is not None:
            self.ip.icmp_out(error, Skb(error))
