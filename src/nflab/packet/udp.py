"""UDP header bytes (RFC 768): emit with its checksum, parse with length and checksum checks."""

from __future__ import annotations

import struct

from .checksum import fill_checksum, internet_checksum, require_bits, require_length, verified
from .headers import UDP

_CHECKSUM_AT = 6


def udp_length(udp: UDP, payload: bytes, truncated: int = 0) -> int:
    """The length field: header and payload, unless the value says otherwise."""
    return udp.length if udp.length is not None else 8 + len(payload) + truncated


def emit_udp(udp: UDP, payload: bytes, pseudo: bytes, truncated: int = 0) -> bytes:
    """The 8-byte header; the checksum sums ``pseudo`` (built for header + payload)."""
    length = udp_length(udp, payload, truncated)
    for name, value in (("sport", udp.sport), ("dport", udp.dport), ("length", length)):
        require_bits("UDP", name, value, 16)
    header = struct.pack("!HHHH", udp.sport, udp.dport, length, 0)
    checksum = udp.checksum
    if checksum is None:
        checksum = internet_checksum(pseudo + header + payload)
        if checksum == 0:
            checksum = 0xFFFF  # 0 means "no checksum", so a computed 0 is sent as all ones
    return fill_checksum(header, _CHECKSUM_AT, checksum)


def parse_udp(datagram: bytes, pseudo: bytes | None, strict: bool, truncated: int = 0,
              zero_allowed: bool = True) -> tuple[UDP, bytes]:
    """The header and the data. With ``pseudo`` the length field must cover exactly
    ``datagram`` and the checksum is checked (a wrong one raises when ``strict``, is kept
    otherwise); without (a first fragment, a quote) both are kept as read. A zero checksum
    means none was sent (allowed over IPv4 only: ``zero_allowed``)."""
    require_length("UDP", datagram, 8)
    sport, dport, length, wire_sum = struct.unpack_from("!HHHH", datagram)
    length_field = None if length == len(datagram) + truncated else length
    if pseudo is None or length_field is not None:
        if pseudo is not None and strict:
            raise ValueError(
                f"UDP: length field {length} but the datagram has {len(datagram)} bytes")
        return UDP(sport, dport, wire_sum, length_field), datagram[8:]
    if wire_sum == 0:
        if not zero_allowed and strict:
            raise ValueError("UDP: zero checksum (none sent), which IPv6 does not allow")
        return UDP(sport, dport, 0), datagram[8:]
    expected = internet_checksum(pseudo + fill_checksum(datagram, _CHECKSUM_AT, 0))
    if expected == 0:
        expected = 0xFFFF
    return UDP(sport, dport, verified(wire_sum, expected, strict, "UDP")), datagram[8:]
