"""The packets a rejected packet is answered with (``nf_reject_ipv4.c``, ``icmp_send``).

``tcp_reset`` is ``nf_send_reset``: a RST from the rejected segment's
destination, sequence numbers chosen so the sender accepts it. ``icmp_unreach``
is ``nf_send_unreach`` + ``__icmp_send``: a destination-unreachable error
quoting the packet, or nothing where the kernel sends nothing (a later
fragment, an ICMP error, a broadcast). Both are pure functions; the stack
sends what they return with ``ip_local_out`` (the ICMP rate limits of
``icmp_send`` are the stack's business).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address

from ..packet.headers import ICMP, IPPROTO_ICMP, IPPROTO_TCP, TCP, IPv4, Packet, TcpFlags

ICMP_DEST_UNREACH = 3
_IPTOS_TOS_MASK = 0x1E
_IPTOS_PREC_INTERNETCONTROL = 0xC0
_NR_ICMP_TYPES = 18


def tcp_reset(pkt: Packet, ttl: int = 64, dst_type: str = "UNICAST") -> Packet | None:
    """``nf_send_reset``: the RST answering ``pkt``, or None.

    No reset for a later fragment, a non-TCP packet, a RST, or a packet sent
    to a broadcast/multicast address (``dst_type``: its route type).
    """
    ip = pkt.ip
    th = pkt.tcp
    if ip.frag_offset or ip.proto != IPPROTO_TCP or th is None or th.flags & TcpFlags.RST:
        return None
    if dst_type in ("BROADCAST", "MULTICAST"):
        return None
    # nf_reject_iphdr_put: tos 0, id 0, DF, TTL from the route (ip_default_ttl)
    rip = IPv4(src=ip.dst, dst=ip.src, proto=IPPROTO_TCP, ttl=ttl, tos=0, ident=0, dont_fragment=True)
    return Packet(rip, reset_header(th, len(pkt.payload)))


def reset_header(th: TCP, data_len: int) -> TCP:
    """The TCP header of a RST answering segment ``th`` (``nf_reject_ip_tcphdr_put``, and
    ``tcp_v4_send_reset`` of the stack): sequence numbers the sender will accept."""
    if th.flags & TcpFlags.ACK:
        seq, ack, flags = th.ack, 0, TcpFlags.RST
    else:
        # acknowledge everything the segment occupied: SYN and FIN count one each
        used = bool(th.flags & TcpFlags.SYN) + bool(th.flags & TcpFlags.FIN) + data_len
        seq, ack, flags = 0, (th.seq + used) & 0xFFFFFFFF, TcpFlags.RST | TcpFlags.ACK
    return TCP(sport=th.dport, dport=th.sport, seq=seq, ack=ack, flags=int(flags), window=0)


def icmp_unreach(
    pkt: Packet,
    code: int,
    *,
    source: Callable[[], IPv4Address | None],
    local: bool,
    ttl: int = 64,
    ident: int = 0,
    pkttype: str = "host",
    dst_type: str = "UNICAST",
) -> Packet | None:
    """``nf_send_unreach`` → ``__icmp_send(skb, ICMP_DEST_UNREACH, code)``: the error, or None.

    ``local`` says the packet was addressed to this host: then the error comes
    from that address, else from ``source()`` (the address routing picks toward
    the packet's sender). ``dst_type`` is the route type of the packet's
    destination and ``pkttype`` how its frame was addressed.
    """
    ip = pkt.ip
    if ip.frag_offset:
        return None
    if pkttype != "host" or dst_type in ("BROADCAST", "MULTICAST"):
        return None  # no replies to broadcasts and multicasts
    if ip.proto == IPPROTO_ICMP:
        inner = pkt.icmp
        # never an error about an error; unknown types count as errors
        if inner is None or inner.is_error or inner.type > _NR_ICMP_TYPES:
            return None
    saddr = ip.dst if local else source()
    if saddr is None:
        return None  # no route back
    tos = (ip.tos & _IPTOS_TOS_MASK) | _IPTOS_PREC_INTERNETCONTROL
    # the icmp socket sends with IP_PMTUDISC_DONT: no DF, a real IP id
    eip = IPv4(
        src=saddr, dst=ip.src, proto=IPPROTO_ICMP, ttl=ttl, tos=tos, ident=ident, dont_fragment=False
    )
    return Packet(eip, ICMP(ICMP_DEST_UNREACH, code, quoted=pkt))


__all__ = ["ICMP_DEST_UNREACH", "icmp_unreach", "reset_header", "tcp_reset"]
