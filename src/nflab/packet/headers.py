"""Frozen header values: IPv4, TCP, UDP, ICMP, and a packet made of them.

These are the semantic level (smoltcp's ``Repr``); wire parse/emit with
checksums lives beside them (issue: the packet path). A change to a packet
(NAT, TTL, TOS, MARK is not in the packet) makes a new value with
``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from ipaddress import IPv4Address


class TcpFlags(IntFlag):
    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10
    URG = 0x20
    ECE = 0x40
    CWR = 0x80


IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 1, 6, 17


@dataclass(frozen=True, slots=True)
class IPv4:
    src: IPv4Address
    dst: IPv4Address
    proto: int
    ttl: int = 64
    tos: int = 0
    ident: int = 0
    dont_fragment: bool = True
    more_fragments: bool = False
    frag_offset: int = 0  # in 8-byte units
    options: bytes = b""

    @property
    def header_length(self) -> int:
        return 20 + len(self.options)


@dataclass(frozen=True, slots=True)
class TcpOption:
    kind: int
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class TCP:
    sport: int
    dport: int
    seq: int = 0
    ack: int = 0
    flags: int = 0
    window: int = 64240
    urgent: int = 0
    options: tuple[TcpOption, ...] = ()

    @property
    def header_length(self) -> int:
        size = 20
        for opt in self.options:
            size += 1 if opt.kind in (0, 1) else 2 + len(opt.data)
        return (size + 3) // 4 * 4

    def option_kinds(self) -> frozenset[int]:
        return frozenset(o.kind for o in self.options)

    @property
    def mss(self) -> int | None:
        for opt in self.options:
            if opt.kind == 2 and len(opt.data) == 2:
                return int.from_bytes(opt.data, "big")
        return None


@dataclass(frozen=True, slots=True)
class UDP:
    sport: int
    dport: int

    header_length = 8


@dataclass(frozen=True, slots=True)
class ICMP:
    """An ICMP message; errors quote the offending packet (``quoted``)."""

    type: int
    code: int = 0
    ident: int = 0
    seq: int = 0
    quoted: Packet | None = None
    gateway: IPv4Address | None = None  # redirect
    mtu: int = 0  # fragmentation needed

    header_length = 8

    @property
    def is_error(self) -> bool:
        return self.type in (3, 4, 5, 11, 12)


L4 = TCP | UDP | ICMP


@dataclass(frozen=True, slots=True)
class Packet:
    """An IPv4 packet: header, transport header (when not a later fragment), payload."""

    ip: IPv4
    l4: L4 | None = None
    payload: bytes = b""

    @property
    def tcp(self) -> TCP | None:
        return self.l4 if isinstance(self.l4, TCP) else None

    @property
    def udp(self) -> UDP | None:
        return self.l4 if isinstance(self.l4, UDP) else None

    @property
    def icmp(self) -> ICMP | None:
        return self.l4 if isinstance(self.l4, ICMP) else None

    @property
    def l4_length(self) -> int:
        if self.l4 is None:
            return 0
        if isinstance(self.l4, ICMP) and self.l4.quoted is not None:
            quoted = self.l4.quoted
            return 8 + min(quoted.length, 548)  # RFC 1812: as much as fits 576 bytes
        return self.l4.header_length

    @property
    def length(self) -> int:
        """IP total length (what LEN= in the kernel log and byte counters count)."""
        return self.ip.header_length + self.l4_length + len(self.payload)
