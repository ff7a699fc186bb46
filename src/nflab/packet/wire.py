"""Wire encoding of packet values: the bytes an IPv4 packet has on the wire, and back.

Matches that look at raw bytes (``-m u32``, ``-m string``) read what the
kernel's ``skb->data`` holds at the IP hooks: the IPv4 header first. Checksums
are computed here, from the header values, so an emitted packet is always
consistent (RFC 791 header checksum, RFC 793/768 pseudo-header checksums).

``parse`` is the inverse: ``parse(emit(p)) == p`` for every packet the
simulator makes, and ``emit(parse(b)) == b`` for every buffer parse accepts.
A truncated or malformed buffer raises ValueError naming what is wrong;
``strict=False`` accepts wrong checksums (keeping them, see ``headers``).
An ICMP error's quote is read leniently, as the kernel does: the quoted
packet may be cut short (``Packet.truncated``), its checksums are not checked,
and a quote that is not an IPv4 packet at all stays raw bytes in ``payload``.
"""

from __future__ import annotations

import struct
from ipaddress import IPv4Address

from .checksum import internet_checksum, pseudo_header, require_bits, require_length, verified
from .headers import (
    ICMP,
    ICMP_QUOTE_MAX,
    IPPROTO_ICMP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    TCP,
    UDP,
    IPv4,
    Packet,
)
from .icmp import emit_icmp, parse_icmp
from .tcp import emit_tcp, parse_tcp
from .udp import emit_udp, parse_udp

__all__ = ["ICMP_QUOTE_MAX", "emit", "internet_checksum", "parse", "parse_prefix"]

_ICMP_ERRORS = frozenset({3, 4, 5, 11, 12})
_FLAG_RESERVED, _FLAG_DF, _FLAG_MF = 0x8000, 0x4000, 0x2000


def emit(packet: Packet) -> bytes:
    """The whole packet: IPv4 header, transport header, payload (of a packet cut short,
    the bytes that are there; the total length still counts the rest)."""
    l4 = _emit_l4(packet)
    return _emit_ipv4(packet.ip, packet.length) + l4 + packet.payload


def _emit_ipv4(ip: IPv4, total_length: int) -> bytes:
    if len(ip.options) % 4:
        raise ValueError("IPv4 options must be padded to a multiple of 4 bytes")
    if ip.header_length > 60:
        raise ValueError(f"IPv4: {len(ip.options)} bytes of options do not fit in 40")
    for name, value, bits in (("total length", total_length, 16), ("tos", ip.tos, 8),
                              ("ident", ip.ident, 16), ("frag_offset", ip.frag_offset, 13),
                              ("ttl", ip.ttl, 8), ("proto", ip.proto, 8)):
        require_bits("IPv4", name, value, bits)
    flags = (_FLAG_DF if ip.dont_fragment else 0) | (_FLAG_MF if ip.more_fragments else 0)
    header = (
        struct.pack(
            "!BBHHHBBH4s4s",
            0x40 | ip.header_length // 4,
            ip.tos,
            total_length,
            ip.ident,
            flags | ip.frag_offset,
            ip.ttl,
            ip.proto,
            0,
            ip.src.packed,
            ip.dst.packed,
        )
        + ip.options
    )
    checksum = ip.checksum if ip.checksum is not None else internet_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:]


def _emit_l4(packet: Packet) -> bytes:
    """The transport header with its checksum (over the header and the payload); for an
    ICMP error, the header and the quote."""
    l4, ip, payload = packet.l4, packet.ip, packet.payload
    if l4 is None:
        return b""
    if isinstance(l4, TCP):
        pseudo = pseudo_header(ip.src, ip.dst, ip.proto, l4.header_length + len(payload))
        return emit_tcp(l4, payload, pseudo)
    if isinstance(l4, UDP):
        pseudo = pseudo_header(ip.src, ip.dst, ip.proto, 8 + len(payload))
        return emit_udp(l4, payload, pseudo, packet.truncated)
    quote = emit(l4.quoted)[:ICMP_QUOTE_MAX] if l4.quoted is not None else b""
    return emit_icmp(l4, quote + payload) + quote


def parse(data: bytes, *, strict: bool = True) -> Packet:
    """The packet ``data`` holds, exactly: no byte missing, none after the total length."""
    packet, end = parse_prefix(data, strict=strict)
    if end != len(data):
        raise ValueError(f"IPv4: total length {end} but {len(data)} bytes given")
    return packet


def parse_prefix(data: bytes, *, strict: bool = True) -> tuple[Packet, int]:
    """The packet at the start of ``data`` and where it ends (a frame may pad it)."""
    return _parse(data, strict, quote=False)


def _parse(data: bytes, strict: bool, quote: bool) -> tuple[Packet, int]:
    require_length("IPv4", data, 20)
    (vihl, tos, total, ident, frag, ttl, proto, wire_sum,
     src, dst) = struct.unpack_from("!BBHHHBBH4s4s", data)
    if vihl >> 4 != 4:
        raise ValueError(f"IPv4: version {vihl >> 4}, not 4")
    hlen = (vihl & 0x0F) * 4
    if hlen < 20:
        raise ValueError(f"IPv4: header length {hlen} bytes is less than 20")
    require_length("IPv4", data, hlen, "header with options")
    if total < hlen:
        raise ValueError(f"IPv4: total length {total} is less than the header length {hlen}")
    if frag & _FLAG_RESERVED:
        raise ValueError("IPv4: the reserved flag bit is set")
    truncated = max(0, total - len(data))
    if truncated and not quote:
        raise ValueError(f"IPv4: truncated packet: {len(data)} bytes, total length {total}")
    header = data[:hlen]
    expected = internet_checksum(header[:10] + b"\0\0" + header[12:])
    ip = IPv4(IPv4Address(src), IPv4Address(dst), proto, ttl, tos, ident,
              bool(frag & _FLAG_DF), bool(frag & _FLAG_MF), frag & 0x1FFF, header[20:],
              verified(wire_sum, expected, strict and not quote, "IPv4 header"))
    end = min(total, len(data))
    body = data[hlen:end]
    whole = not ip.is_fragment and not truncated  # every byte the checksums cover is here
    lenient = quote or ip.is_fragment  # a malformed transport header stays raw bytes
    if ip.frag_offset == 0 and proto in (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP):
        try:
            return _parse_l4(ip, body, truncated, whole, strict and not quote), end
        except ValueError:
            if not lenient:
                raise
    return Packet(ip, None, body, truncated), end


def _parse_l4(ip: IPv4, body: bytes, truncated: int, verify: bool, strict: bool) -> Packet:
    """The transport header of an unfragmented packet or a first fragment."""
    strict = strict and verify
    if ip.proto == IPPROTO_TCP:
        pseudo = pseudo_header(ip.src, ip.dst, ip.proto, len(body)) if verify else None
        tcp, payload = parse_tcp(body, pseudo, strict)
        return Packet(ip, tcp, payload, truncated)
    if ip.proto == IPPROTO_UDP:
        pseudo = pseudo_header(ip.src, ip.dst, ip.proto, len(body)) if verify else None
        udp, payload = parse_udp(body, pseudo, strict, truncated)
        return Packet(ip, udp, payload, truncated)
    icmp, rest = parse_icmp(body, verify, strict)
    if icmp.type in _ICMP_ERRORS and not ip.is_fragment:
        quoted, rest = _parse_quote(rest)
        if quoted is not None:
            icmp = ICMP(icmp.type, icmp.code, icmp.ident, icmp.seq, quoted, icmp.gateway,
                        icmp.mtu, icmp.checksum)
    return Packet(ip, icmp, rest, truncated)


def _parse_quote(body: bytes) -> tuple[Packet | None, bytes]:
    """The packet an ICMP error quotes and the bytes after the quote (None when the body
    is not an IPv4 packet: it stays raw)."""
    try:
        quoted, end = _parse(body[:ICMP_QUOTE_MAX], strict=False, quote=True)
    except ValueError:
        return None, body
    return quoted, body[end:]
