"""IPv4 fragmentation and reassembly on packet values (``ip_fragment``, ``ip_defrag``).

A fragment is an ordinary ``Packet``: the first keeps its transport header
(what the kernel's matches and tcpdump read), later ones carry raw data.
Both directions go through the wire bytes, so the pieces are exactly what
Linux sends: data split at 8-byte boundaries, the same ident on every
piece, options that are not to be copied replaced by no-ops after the first.
"""

from __future__ import annotations

from dataclasses import replace

from .headers import Packet
from .wire import emit, parse

_IPOPT_END, _IPOPT_NOOP, _IPOPT_COPY = 0, 1, 0x80


def fragment(packet: Packet, mtu: int) -> list[Packet]:
    """The packet as pieces of at most ``mtu`` bytes (itself when it fits). The caller
    checks DF first: a DF packet too big for the route gets ICMP need-to-frag instead."""
    if packet.length <= mtu:
        return [packet]
    data = emit(packet)[packet.ip.header_length :]
    later_options = _copied_options(packet.ip.options)
    pieces = []
    offset = 0
    while offset < len(data):
        options = packet.ip.options if offset == 0 else later_options
        room = (mtu - 20 - len(options)) & ~7
        if room <= 0:
            raise ValueError(f"IPv4: an MTU of {mtu} leaves no room for fragment data")
        chunk = data[offset : offset + room]
        last = offset + len(chunk) >= len(data)
        ip = replace(packet.ip, dont_fragment=False, options=options, checksum=None,
                     more_fragments=packet.ip.more_fragments or not last,
                     frag_offset=packet.ip.frag_offset + offset // 8)
        pieces.append(parse(emit(Packet(ip, None, chunk)), strict=False))
        offset += len(chunk)
    return pieces


def _copied_options(options: bytes) -> bytes:
    """``ip_options_fragment``: options without the copy flag become no-ops."""
    out = bytearray(options)
    pos = 0
    while pos < len(out):
        kind = out[pos]
        if kind == _IPOPT_END:
            break
        if kind == _IPOPT_NOOP:
            pos += 1
            continue
        size = out[pos + 1] if pos + 1 < len(out) else 0
        if size < 2 or pos + size > len(out):
            break
        if not kind & _IPOPT_COPY:
            out[pos : pos + size] = bytes([_IPOPT_NOOP]) * size
        pos += size
    return bytes(out)


def reassemble(pieces: list[Packet]) -> Packet:
    """The datagram the fragments make, under the first fragment's header; a ValueError
    when a piece is missing."""
    ordered = sorted(pieces, key=lambda p: p.ip.frag_offset)
    first = ordered[0]
    if first.ip.frag_offset != 0 or ordered[-1].ip.more_fragments:
        raise ValueError("IPv4 reassembly: the first or the last fragment is missing")
    data = bytearray()
    for piece in ordered:
        if piece.ip.frag_offset * 8 != len(data):
            raise ValueError(f"IPv4 reassembly: a hole at byte {len(data)}")
        data += emit(piece)[piece.ip.header_length :]
    ip = replace(first.ip, more_fragments=False, checksum=None)
    return parse(emit(Packet(ip, None, bytes(data))))
