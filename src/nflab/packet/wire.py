"""Wire encoding of packet values: the bytes an IPv4 packet has on the wire.

Matches that look at raw bytes (``-m u32``, ``-m string``) read what the
kernel's ``skb->data`` holds at the IP hooks: the IPv4 header first. Checksums
are computed here, from the header values, so an emitted packet is always
consistent (RFC 791 header checksum, RFC 793/768 pseudo-header checksums).
"""

from __future__ import annotations

import struct

from .headers import ICMP, TCP, UDP, IPv4, Packet, TcpOption

# ICMP errors quote at most this much of the offending packet (RFC 1812: fit in 576)
ICMP_QUOTE_MAX = 548
_ICMP_ECHO_LIKE = frozenset({0, 8, 13, 14, 15, 16, 17, 18})


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's complement sum of 16-bit words (an odd byte is padded with 0)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def emit(packet: Packet) -> bytes:
    """The whole packet: IPv4 header, transport header, payload."""
    l4 = _emit_l4(packet)
    return _emit_ipv4(packet.ip, len(l4) + len(packet.payload)) + l4 + packet.payload


def _emit_ipv4(ip: IPv4, data_length: int) -> bytes:
    if len(ip.options) % 4:
        raise ValueError("IPv4 options must be padded to a multiple of 4 bytes")
    ihl = ip.header_length // 4
    flags = (0x4000 if ip.dont_fragment else 0) | (0x2000 if ip.more_fragments else 0)
    header = (
        struct.pack(
            "!BBHHHBBH4s4s",
            0x40 | ihl,
            ip.tos,
            ip.header_length + data_length,
            ip.ident,
            flags | (ip.frag_offset & 0x1FFF),
            ip.ttl,
            ip.proto,
            0,
            ip.src.packed,
            ip.dst.packed,
        )
        + ip.options
    )
    checksum = internet_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:]


def _emit_l4(packet: Packet) -> bytes:
    """The transport header with its checksum (over the header and the payload)."""
    l4 = packet.l4
    if l4 is None:
        return b""
    if isinstance(l4, TCP):
        return _with_checksum(packet, _tcp_header(l4), 16)
    if isinstance(l4, UDP):
        udp = struct.pack("!HHHH", l4.sport, l4.dport, 8 + len(packet.payload), 0)
        return _with_checksum(packet, udp, 6, zero_as_ones=True)
    return _icmp(l4, packet.payload)


def _tcp_header(tcp: TCP) -> bytes:
    options = b"".join(_tcp_option(o) for o in tcp.options)
    options += b"\0" * (tcp.header_length - 20 - len(options))  # pad with end-of-list
    offset_byte = (tcp.header_length // 4) << 4 | ((tcp.flags >> 8) & 0x1)  # NS bit
    return (
        struct.pack(
            "!HHIIBBHHH",
            tcp.sport,
            tcp.dport,
            tcp.seq & 0xFFFFFFFF,
            tcp.ack & 0xFFFFFFFF,
            offset_byte,
            tcp.flags & 0xFF,
            tcp.window,
            0,
            tcp.urgent,
        )
        + options
    )


def _tcp_option(option: TcpOption) -> bytes:
    if option.kind in (0, 1):  # end of list, no-operation: a single byte
        return bytes([option.kind])
    return bytes([option.kind, 2 + len(option.data)]) + option.data


def _with_checksum(packet: Packet, header: bytes, offset: int, zero_as_ones: bool = False) -> bytes:
    """Fill in a TCP/UDP checksum computed over the IPv4 pseudo header."""
    segment = header + packet.payload
    pseudo = struct.pack(
        "!4s4sBBH", packet.ip.src.packed, packet.ip.dst.packed, 0, packet.ip.proto, len(segment)
    )
    checksum = internet_checksum(pseudo + segment)
    if zero_as_ones and checksum == 0:
        checksum = 0xFFFF  # UDP: 0 means "no checksum", so a computed 0 is sent as all ones
    return header[:offset] + struct.pack("!H", checksum) + header[offset + 2 :]


def _icmp(icmp: ICMP, payload: bytes) -> bytes:
    """ICMP header and body: echo-like messages carry id/seq, errors the quoted packet."""
    if icmp.type in _ICMP_ECHO_LIKE:
        rest = struct.pack("!HH", icmp.ident, icmp.seq)
    elif icmp.type == 5:
        rest = icmp.gateway.packed if icmp.gateway is not None else b"\0" * 4
    elif icmp.type == 3 and icmp.code == 4:
        rest = struct.pack("!HH", 0, icmp.mtu)
    else:
        rest = b"\0" * 4
    body = emit(icmp.quoted)[:ICMP_QUOTE_MAX] if icmp.quoted is not None else b""
    message = struct.pack("!BBH", icmp.type, icmp.code, 0) + rest + body
    checksum = internet_checksum(message + payload)
    return message[:2] + struct.pack("!H", checksum) + message[4:]
