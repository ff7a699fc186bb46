"""parse(emit(x)) == x for every header value, and parse refuses what is cut short."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from nflab.packet.arp import emit_arp, parse_arp
from nflab.packet.ethernet import Frame, emit_frame, parse_frame
from nflab.packet.headers import ICMP, ICMP_QUOTE_MAX, IPv4, Packet
from nflab.packet.ipv6 import IPv6Packet, emit6, parse6
from nflab.packet.wire import emit, parse
from packet_strategies import (
    arp_messages,
    first_fragments,
    frames,
    icmp_error_packets,
    inner_packets,
    ipv4_packets,
    ipv6_packets,
    later_fragments,
)

_settings = settings(max_examples=200, deadline=None)


@_settings
@given(ipv4_packets)
def test_ipv4_roundtrip(packet: Packet) -> None:
    data = emit(packet)
    assert len(data) == packet.length
    assert parse(data) == packet
    assert emit(parse(data)) == data


@_settings
@given(icmp_error_packets())
def test_icmp_error_quote_roundtrip(packet: Packet) -> None:
    assert parse(emit(packet)) == packet


@_settings
@given(first_fragments())
def test_first_fragment_keeps_its_transport_header(packet: Packet) -> None:
    parsed = parse(emit(packet))
    assert parsed == packet and parsed.l4 is not None


@_settings
@given(later_fragments)
def test_later_fragment_is_raw(packet: Packet) -> None:
    assert parse(emit(packet)) == packet


@_settings
@given(arp_messages)
def test_arp_roundtrip(arp: object) -> None:
    assert parse_arp(emit_arp(arp)) == arp  # type: ignore[arg-type]


@_settings
@given(ipv6_packets())
def test_ipv6_roundtrip(packet: IPv6Packet) -> None:
    data = emit6(packet)
    assert len(data) == packet.length
    assert parse6(data) == packet


@_settings
@given(frames())
def test_frame_roundtrip(frame: Frame) -> None:
    data = emit_frame(frame)
    assert len(data) == frame.length
    assert parse_frame(data) == frame


@_settings
@given(st.one_of(inner_packets, icmp_error_packets()), st.data())
def test_ipv4_cut_short_raises(packet: Packet, data: st.DataObject) -> None:
    wire = emit(packet)
    cut = data.draw(st.integers(0, len(wire) - 1))
    try:
        parse(wire[:cut])
    except ValueError as exc:
        assert str(exc).startswith("IPv4: ")
    else:
        raise AssertionError(f"parsed {cut} of {len(wire)} bytes")


@_settings
@given(st.one_of(ipv6_packets(), arp_messages), st.data())
def test_ipv6_and_arp_cut_short_raise(value: IPv6Packet | object, data: st.DataObject) -> None:
    wire = emit6(value) if isinstance(value, IPv6Packet) else emit_arp(value)  # type: ignore[arg-type]
    cut = data.draw(st.integers(0, len(wire) - 1))
    frame = wire[:cut]
    try:
        parse6(frame) if isinstance(value, IPv6Packet) else parse_arp(frame)
    except ValueError:
        pass
    else:
        raise AssertionError(f"parsed {cut} of {len(wire)} bytes")


@_settings
@given(inner_packets.filter(lambda p: len(emit(p)) > 40), st.data())
def test_a_flipped_bit_is_caught_or_kept(packet: Packet, data: st.DataObject) -> None:
    """Strict parse refuses a corrupted packet (some checksum or field no longer agrees),
    unless the bit lands where nothing checks it; lenient parse keeps the bytes as they are."""
    wire = bytearray(emit(packet))
    bit = data.draw(st.integers(0, len(wire) * 8 - 1))
    wire[bit // 8] ^= 1 << (bit % 8)
    try:
        lenient = parse(bytes(wire), strict=False)
    except ValueError:
        return  # the bit broke the structure (a length, the version...)
    assert emit(lenient) == bytes(wire)


@_settings
@given(inner_packets, st.binary(min_size=ICMP_QUOTE_MAX, max_size=1400))
def test_long_quote_is_cut_at_548_bytes(inner: Packet, big: bytes) -> None:
    inner = replace(inner, payload=big)
    outer = Packet(IPv4(inner.ip.dst, inner.ip.src, 1), ICMP(3, 3, quoted=inner))
    wire = emit(outer)
    assert len(wire) == 20 + 8 + ICMP_QUOTE_MAX == outer.length
    parsed = parse(wire)
    quoted = parsed.icmp.quoted  # type: ignore[union-attr]
    assert quoted is not None
    assert quoted.length == inner.length  # the total length still counts what was cut
    assert quoted.truncated == inner.length - ICMP_QUOTE_MAX
    assert (quoted.ip.src, quoted.ip.dst, quoted.ip.proto) == (
        inner.ip.src, inner.ip.dst, inner.ip.proto)
    assert type(quoted.l4) is type(inner.l4)
    assert emit(parsed) == wire
