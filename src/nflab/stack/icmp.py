"""ICMP of one namespace: what the kernel answers by itself, errors for sockets,
raw ICMP sockets (``socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)``, what ping uses).

Every ICMP message delivered locally is first copied to the raw ICMP sockets
(``raw_local_deliver``: ping sees errors and, on lo, its own requests too,
unless its ICMP_FILTER hides them); then ``icmp_rcv``: an echo request is
answered (``icmp_echo``: from the address it was sent to, same TOS, no DF,
through OUTPUT and POSTROUTING), an error is handed to the socket whose
packet it quotes, with ``icmp_err_convert``'s errno.
"""

from __future__ import annotations

import errno
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..netfilter.skb import Skb
from ..packet.headers import ICMP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPv4, Packet
from .ports import ANY4, IPAddress, is_wildcard

if TYPE_CHECKING:
    from .transport import Transport

ECHO_REPLY, DEST_UNREACH, ECHO_REQUEST, TIME_EXCEEDED, PARAMETER_PROBLEM = 0, 3, 8, 11, 12
TIMESTAMP, TIMESTAMP_REPLY = 13, 14
FRAG_NEEDED = 4

# ``icmp_err_convert``: errno and whether the error is fatal, by unreachable code
UNREACH_ERRORS: tuple[tuple[int, bool], ...] = (
    (errno.ENETUNREACH, False),  # net unreachable
    (errno.EHOSTUNREACH, False),  # host unreachable
    (errno.ENOPROTOOPT, True),  # protocol unreachable
    (errno.ECONNREFUSED, True),  # port unreachable
    (errno.EMSGSIZE, False),  # fragmentation needed
    (errno.EOPNOTSUPP, False),  # source route failed
    (errno.ENETUNREACH, True),  # net unknown
    (errno.EHOSTDOWN, True),  # host unknown
    (errno.ENONET, True),  # host isolated
    (errno.ENETUNREACH, True),  # net administratively prohibited
    (errno.EHOSTUNREACH, True),  # host administratively prohibited
    (errno.ENETUNREACH, False),  # net unreachable for TOS
    (errno.EHOSTUNREACH, False),  # host unreachable for TOS
    (errno.EHOSTUNREACH, True),  # communication administratively prohibited
    (errno.EHOSTUNREACH, True),  # host precedence violation
    (errno.EHOSTUNREACH, True),  # precedence cutoff
)


def error_errno(icmp: ICMP) -> tuple[int, bool] | None:
    """The errno an ICMP error means for a socket and whether it is hard, None when the
    message is not reported (a redirect, source quench, fragmentation needed)."""
    if icmp.type == DEST_UNREACH:
        if icmp.code == FRAG_NEEDED:
            return None  # path MTU discovery, not an error
        if icmp.code < len(UNREACH_ERRORS):
            return UNREACH_ERRORS[icmp.code]
        return errno.EHOSTUNREACH, False
    if icmp.type == TIME_EXCEEDED:
        return errno.EHOSTUNREACH, False
    if icmp.type == PARAMETER_PROBLEM:
        return errno.EPROTO, True
    return None


@dataclass(eq=False)
class RawEndpoint:
    """The kernel side of a raw ICMP socket: every ICMP packet delivered here, queued."""

    layer: IcmpLayer
    bound_addr: IPAddress = ANY4
    device: str = ""
    owner: Any = None
    peer: IPAddress | None = None
    filter_mask: int = 0  # ICMP_FILTER: bit N set hides type N
    queue: deque[Packet] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.changed = self.layer.t.signal()

    def takes(self, packet: Packet, dev: str) -> bool:
        """``raw_v4_match`` and ``icmp_filter``."""
        ip = packet.ip
        if not is_wildcard(self.bound_addr) and self.bound_addr != ip.dst:
            return False
        if self.peer is not None and self.peer != ip.src:
            return False
        if self.device and self.device != dev:
            return False
        icmp = packet.icmp
        return icmp is None or icmp.type >= 32 or not self.filter_mask >> icmp.type & 1


class IcmpLayer:
    def __init__(self, transport: Transport) -> None:
        self.t = transport
        self.raw: list[RawEndpoint] = []

    def input(self, skb: Skb, dev: str) -> None:
        packet = skb.packet
        for ep in self.raw:
            if ep.takes(packet, dev):
                ep.queue.append(packet)
                ep.changed.notify()
        icmp = packet.icmp
        if icmp is None or packet.ip.frag_offset:
            return
        if icmp.type == ECHO_REQUEST:
            self._echo(skb)
        elif icmp.type == TIMESTAMP and len(packet.payload) >= 4:  # shorter: "too short"
            self._echo(skb, timestamp=True)
        elif icmp.is_error and icmp.quoted is not None:
            self._error(icmp, icmp.quoted)

    def _echo(self, skb: Skb, timestamp: bool = False) -> None:
        """``icmp_echo`` (or ``icmp_timestamp``) → ``icmp_reply``."""
        ip = skb.packet.ip
        sysctl = self.t.sysctl
        if not timestamp and sysctl("net.ipv4.icmp_echo_ignore_all"):
            return
        if self.t.address_type(ip.dst) in ("BROADCAST", "MULTICAST"):
            if sysctl("net.ipv4.icmp_echo_ignore_broadcasts", 1):
                return
            src = self.t.source4(ip.src)
        else:
            src = ip.dst
        if src is None:
            return
        request = skb.packet.icmp
        assert request is not None
        reply = Packet(
            IPv4(
                src,
                ip.src,
                IPPROTO_ICMP,
                ttl=self.t.default_ttl(),
                tos=ip.tos,
                ident=self.t.rng.getrandbits(16),
                dont_fragment=False,
            ),
            ICMP(TIMESTAMP_REPLY if timestamp else ECHO_REPLY, 0, ident=request.ident, seq=request.seq),
            self._times(skb.packet.payload) if timestamp else skb.packet.payload,
        )
        self.t.ip.icmp_out(reply, Skb(reply))  # ``icmp_reply``: the ICMP socket's lock held

    def _times(self, request: bytes) -> bytes:
        """The originate timestamp copied, then receive = transmit = ms since midnight UT
        (``inet_current_timestamp``)."""
        now = int(self.t.ip.env().wall_clock * 1000) % 86_400_000
        return request[:4] + now.to_bytes(4, "big") * 2

    def _error(self, icmp: ICMP, quoted: Packet) -> None:
        """``icmp_unreach`` → the protocol's ``err_handler`` for the quoted packet."""
        meaning = error_errno(icmp)
        if meaning is None:
            return
        err, hard = meaning
        q = quoted.ip
        if q.proto == IPPROTO_TCP and quoted.tcp is not None:
            th = quoted.tcp
            conn = self.t.tcp.conns.get((q.src, th.sport, q.dst, th.dport))
            if conn is not None:
                conn.icmp_error(err, th.seq)
        elif q.proto == IPPROTO_UDP and quoted.udp is not None:
            self.t.udp.icmp_error(q.src, quoted.udp.sport, q.dst, quoted.udp.dport, err, hard)

    def open_raw(self, owner: Any) -> RawEndpoint:
        ep = RawEndpoint(self, owner=owner)
        self.raw.append(ep)
        return ep

    def close_raw(self, ep: RawEndpoint) -> None:
        if ep in self.raw:
            self.raw.remove(ep)
