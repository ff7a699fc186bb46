"""IPv6, as little as ``::1`` traffic on lo needs: the fixed header and TCP/UDP over it.

No extension headers: any other next header (ICMPv6 included) is carried as
raw bytes in ``payload``. Same conventions as the IPv4 ``wire`` module.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from ipaddress import IPv6Address

from .checksum import pseudo_header, require_bits, require_length
from .headers import IPPROTO_TCP, IPPROTO_UDP, TCP, UDP
from .tcp import emit_tcp, parse_tcp
from .udp import emit_udp, parse_udp

IPPROTO_ICMPV6 = 58
HEADER_LENGTH = 40


@dataclass(frozen=True, slots=True)
class IPv6:
    src: IPv6Address
    dst: IPv6Address
    next_header: int
    hop_limit: int = 64
    traffic_class: int = 0
    flow_label: int = 0

    header_length = HEADER_LENGTH


@dataclass(frozen=True, slots=True)
class IPv6Packet:
    """An IPv6 packet: header, TCP or UDP header (None for anything else), payload."""

    ip: IPv6
    l4: TCP | UDP | None = None
    payload: bytes = b""

    @property
    def tcp(self) -> TCP | None:
        return self.l4 if isinstance(self.l4, TCP) else None

    @property
    def udp(self) -> UDP | None:
        return self.l4 if isinstance(self.l4, UDP) else None

    @property
    def payload_length(self) -> int:
        l4 = 0 if self.l4 is None else self.l4.header_length
        return l4 + len(self.payload)

    @property
    def length(self) -> int:
        return HEADER_LENGTH + self.payload_length


def emit6(packet: IPv6Packet) -> bytes:
    ip, l4, payload = packet.ip, packet.l4, packet.payload
    for name, value, bits in (("payload length", packet.payload_length, 16),
                              ("next header", ip.next_header, 8), ("hop limit", ip.hop_limit, 8),
                              ("traffic class", ip.traffic_class, 8),
                              ("flow label", ip.flow_label, 20)):
        require_bits("IPv6", name, value, bits)
    header = struct.pack("!IHBB", 6 << 28 | ip.traffic_class << 20 | ip.flow_label,
                         packet.payload_length, ip.next_header, ip.hop_limit)
    header += ip.src.packed + ip.dst.packed
    pseudo = pseudo_header(ip.src, ip.dst, ip.next_header, packet.payload_length)
    if isinstance(l4, TCP):
        header += emit_tcp(l4, payload, pseudo)
    elif isinstance(l4, UDP):
        header += emit_udp(l4, payload, pseudo)
    return header + payload


def parse6(data: bytes, *, strict: bool = True) -> IPv6Packet:
    """The packet ``data`` holds, exactly (see ``wire.parse``)."""
    packet, end = parse6_prefix(data, strict=strict)
    if end != len(data):
        raise ValueError(f"IPv6: payload length {end - HEADER_LENGTH} but {len(data)} bytes given")
    return packet


def parse6_prefix(data: bytes, *, strict: bool = True) -> tuple[IPv6Packet, int]:
    require_length("IPv6", data, HEADER_LENGTH)
    word, length, next_header, hop_limit = struct.unpack_from("!IHBB", data)
    if word >> 28 != 6:
        raise ValueError(f"IPv6: version {word >> 28}, not 6")
    end = HEADER_LENGTH + length
    require_length("IPv6", data, end, "packet")
    ip = IPv6(IPv6Address(data[8:24]), IPv6Address(data[24:40]), next_header, hop_limit,
              word >> 20 & 0xFF, word & 0xFFFFF)
    body = data[HEADER_LENGTH:end]
    pseudo = pseudo_header(ip.src, ip.dst, next_header, length)
    if next_header == IPPROTO_TCP:
        tcp, payload = parse_tcp(body, pseudo, strict)
        return IPv6Packet(ip, tcp, payload), end
    if next_header == IPPROTO_UDP:
        udp, payload = parse_udp(body, pseudo, strict, zero_allowed=False)
        return IPv6Packet(ip, udp, payload), end
    return IPv6Packet(ip, None, body), end
