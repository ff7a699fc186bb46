"""The Internet checksum (RFC 1071) and the pseudo headers TCP and UDP sum over."""

from __future__ import annotations

import struct
from ipaddress import IPv4Address, IPv6Address


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's complement sum of 16-bit words (an odd byte is padded with 0)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src: IPv4Address | IPv6Address, dst: IPv4Address | IPv6Address,
                  proto: int, length: int) -> bytes:
    """RFC 793/768 (IPv4) or RFC 8200 section 8.1 (IPv6) pseudo header."""
    if isinstance(src, IPv4Address):
        return src.packed + dst.packed + struct.pack("!BBH", 0, proto, length)
    return src.packed + dst.packed + struct.pack("!IxxxB", length, proto)


def fill_checksum(segment: bytes, offset: int, value: int) -> bytes:
    """``segment`` with the 16-bit checksum field at ``offset`` set to ``value``."""
    return segment[:offset] + struct.pack("!H", value) + segment[offset + 2 :]


def verified(wire: int, expected: int, strict: bool, what: str) -> int | None:
    """The ``checksum`` field of a parsed value: None when the wire value is the right one;
    otherwise a ValueError (``strict``) or the wire value, kept so emit repeats it."""
    if wire == expected:
        return None
    if strict:
        raise ValueError(f"{what}: bad checksum 0x{wire:04x} (should be 0x{expected:04x})")
    return wire


def require_bits(what: str, name: str, value: int, bits: int) -> None:
    """Emit refuses a field that does not fit its width, naming it."""
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{what}: {name} {value} does not fit in {bits} bits")


def require_length(what: str, data: bytes, needed: int, part: str = "header") -> None:
    """Parse refuses a buffer shorter than what it must hold, naming the part."""
    if len(data) < needed:
        raise ValueError(f"{what}: truncated {part}: {len(data)} bytes, need {needed}")
