"""ICMP header bytes (RFC 792): the 4 bytes after the checksum by type, and the checksum.

The body (an error's quote, an echo's data) is the caller's: ``wire`` emits
and parses the quoted IPv4 packet.
"""

from __future__ import annotations

import struct
from ipaddress import IPv4Address

from .checksum import fill_checksum, internet_checksum, require_bits, require_length, verified
from .headers import ICMP

ICMP_ECHOREPLY, ICMP_DEST_UNREACH, ICMP_REDIRECT, ICMP_ECHO = 0, 3, 5, 8
ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB = 11, 12
ICMP_FRAG_NEEDED = 4  # the destination-unreachable code whose rest holds the next-hop MTU
_CHECKSUM_AT = 2


def _rest(icmp: ICMP) -> bytes:
    if icmp.type in (ICMP_REDIRECT, ICMP_PARAMETERPROB):
        return icmp.gateway.packed if icmp.gateway is not None else bytes(4)
    if icmp.type == ICMP_DEST_UNREACH and icmp.code == ICMP_FRAG_NEEDED:
        require_bits("ICMP", "mtu", icmp.mtu, 16)
        return struct.pack("!HH", icmp.ident, icmp.mtu)
    require_bits("ICMP", "seq", icmp.seq, 16)
    return struct.pack("!HH", icmp.ident, icmp.seq)


def emit_icmp(icmp: ICMP, body: bytes) -> bytes:
    """The 8-byte header; the checksum covers it and ``body``."""
    for name, value, bits in (("type", icmp.type, 8), ("code", icmp.code, 8),
                              ("ident", icmp.ident, 16)):
        require_bits("ICMP", name, value, bits)
    header = struct.pack("!BBH", icmp.type, icmp.code, 0) + _rest(icmp)
    checksum = icmp.checksum if icmp.checksum is not None else internet_checksum(header + body)
    return fill_checksum(header, _CHECKSUM_AT, checksum)


def parse_icmp(message: bytes, verify: bool, strict: bool) -> tuple[ICMP, bytes]:
    """The header value (without a quote) and the body after the 8-byte header. The
    checksum is checked when ``verify`` (the whole message is here): a wrong one raises
    when ``strict``, is kept otherwise; unchecked, the wire value is kept."""
    require_length("ICMP", message, 8)
    icmp_type, code, wire_sum = struct.unpack_from("!BBH", message)
    rest = message[4:8]
    checksum: int | None = wire_sum
    if verify:
        expected = internet_checksum(fill_checksum(message, _CHECKSUM_AT, 0))
        checksum = verified(wire_sum, expected, strict, "ICMP")
    high, low = struct.unpack("!HH", rest)
    if icmp_type in (ICMP_REDIRECT, ICMP_PARAMETERPROB):
        gateway = IPv4Address(rest) if rest != bytes(4) else None
        icmp = ICMP(icmp_type, code, gateway=gateway, checksum=checksum)
    elif icmp_type == ICMP_DEST_UNREACH and code == ICMP_FRAG_NEEDED:
        icmp = ICMP(icmp_type, code, ident=high, mtu=low, checksum=checksum)
    else:
        icmp = ICMP(icmp_type, code, ident=high, seq=low, checksum=checksum)
    return icmp, message[8:]
