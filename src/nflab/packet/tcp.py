"""TCP header bytes (RFC 9293): emit with its checksum, parse with options kept as read."""

from __future__ import annotations

import struct

from .checksum import (
    fill_checksum,
    internet_checksum,
    require_bits,
    require_length,
    verified,
)
from .headers import TCP, TCPOPT_EOL, TCPOPT_NOP, TcpOption

MAX_HEADER = 60
_CHECKSUM_AT = 16


def emit_tcp(tcp: TCP, payload: bytes, pseudo: bytes) -> bytes:
    """The header, its checksum summed over ``pseudo`` (built for header + payload)."""
    for name, value, bits in (("sport", tcp.sport, 16), ("dport", tcp.dport, 16),
                              ("window", tcp.window, 16), ("urgent", tcp.urgent, 16),
                              ("flags", tcp.flags, 12)):
        require_bits("TCP", name, value, bits)
    if tcp.header_length > MAX_HEADER:
        raise ValueError(f"TCP: options need a {tcp.header_length}-byte header, "
                         f"more than {MAX_HEADER}")
    options = b"".join(_option_bytes(o) for o in tcp.options)
    options += b"\0" * (tcp.header_length - 20 - len(options))  # pad with end-of-list
    header = struct.pack(
        "!HHIIBBHHH",
        tcp.sport,
        tcp.dport,
        tcp.seq & 0xFFFFFFFF,
        tcp.ack & 0xFFFFFFFF,
        (tcp.header_length // 4) << 4 | (tcp.flags >> 8 & 0x0F),  # reserved nibble, NS
        tcp.flags & 0xFF,
        tcp.window,
        0,
        tcp.urgent,
    ) + options
    checksum = tcp.checksum
    if checksum is None:
        checksum = internet_checksum(pseudo + header + payload)
    return fill_checksum(header, _CHECKSUM_AT, checksum)


def _option_bytes(option: TcpOption) -> bytes:
    if option.kind == TCPOPT_NOP and option.data:
        raise ValueError("TCP: a no-operation option has no data")
    require_bits("TCP", "option kind", option.kind, 8)
    if option.kind in (TCPOPT_EOL, TCPOPT_NOP):  # one byte (an EOL's data: what follows it)
        return bytes([option.kind]) + option.data
    require_bits("TCP", f"option {option.kind} length", 2 + len(option.data), 8)
    return bytes([option.kind, 2 + len(option.data)]) + option.data


def parse_tcp(segment: bytes, pseudo: bytes | None, strict: bool) -> tuple[TCP, bytes]:
    """The header and the data of ``segment``. With ``pseudo`` (the pseudo header for the
    whole segment) the checksum is checked: a wrong one raises when ``strict`` and is kept
    otherwise; without (a first fragment, a quote cut short) the wire value is kept."""
    require_length("TCP", segment, 20)
    sport, dport, seq, ack, offset_byte, flag_byte, window, wire_sum, urgent = struct.unpack_from(
        "!HHIIBBHHH", segment)
    header_length = (offset_byte >> 4) * 4
    if header_length < 20:
        raise ValueError(f"TCP: data offset {header_length} bytes is less than 20")
    require_length("TCP", segment, header_length, "header with options")
    options = parse_options(segment[20:header_length])
    checksum: int | None = wire_sum
    if pseudo is not None:
        expected = internet_checksum(pseudo + fill_checksum(segment, _CHECKSUM_AT, 0))
        checksum = verified(wire_sum, expected, strict, "TCP")
    tcp = TCP(sport, dport, seq, ack, (offset_byte & 0x0F) << 8 | flag_byte, window, urgent,
              options, checksum)
    return tcp, segment[header_length:]


def parse_options(area: bytes) -> tuple[TcpOption, ...]:
    """The options as listed, unknown kinds included. An end-of-list ends them: the zero
    padding up to the next 4-byte boundary after it is implied, any other bytes after it
    are kept as its ``data`` (so that the header re-emits as it was)."""
    options: list[TcpOption] = []
    pos = 0
    while pos < len(area):
        kind = area[pos]
        if kind == TCPOPT_EOL:
            rest = area[pos + 1 :]
            implied = (-(20 + pos + 1)) % 4
            keep = rest if rest.strip(b"\0") or len(rest) > implied else b""
            options.append(TcpOption(TCPOPT_EOL, keep))
            break
        if kind == TCPOPT_NOP:
            options.append(TcpOption(TCPOPT_NOP))
            pos += 1
            continue
        if pos + 1 >= len(area):
            raise ValueError(f"TCP: option {kind} has no length byte")
        size = area[pos + 1]
        if size < 2 or pos + size > len(area):
            raise ValueError(
                f"TCP: option {kind} length {size} does not fit the {len(area) - pos} "
                "bytes left in the header")
        options.append(TcpOption(kind, area[pos + 2 : pos + size]))
        pos += size
    return tuple(options)
