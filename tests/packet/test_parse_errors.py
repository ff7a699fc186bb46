"""Parse errors name what is wrong; lenient parse keeps wrong checksums; option helpers."""

from __future__ import annotations

import struct
from ipaddress import IPv4Address, IPv6Address

import pytest

from nflab.packet.arp import Arp, emit_arp, parse_arp
from nflab.packet.checksum import internet_checksum
from nflab.packet.ethernet import Frame, emit_frame, mac_text, parse_frame, parse_mac
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpOption
from nflab.packet.ipv6 import IPv6, IPv6Packet, emit6, parse6
from nflab.packet.tcp import parse_options
from nflab.packet.wire import emit, parse

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")


def _tcp_packet(**kw: object) -> bytes:
    return emit(Packet(IPv4(A, B, 6), TCP(1234, 80, **kw), b"data"))  # type: ignore[arg-type]


def _set(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


def _fix_ip_checksum(data: bytes) -> bytes:
    hlen = (data[0] & 0xF) * 4
    header = _set(data[:hlen], 10, b"\0\0")
    return _set(data, 10, struct.pack("!H", internet_checksum(header)))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d[:19], "IPv4: truncated header: 19 bytes, need 20"),
    (lambda d: _set(d, 0, b"\x65"), "IPv4: version 6, not 4"),
    (lambda d: _set(d, 0, b"\x44"), "IPv4: header length 16 bytes is less than 20"),
    (lambda d: d[:-1], "IPv4: truncated packet: 43 bytes, total length 44"),
    (lambda d: d + b"\0", "IPv4: total length 44 but 45 bytes given"),
    (lambda d: _set(d, 10, b"\0\0"), "IPv4 header: bad checksum 0x0000 (should be 0x"),
    (lambda d: _fix_ip_checksum(_set(d, 6, b"\x80\x00")), "IPv4: the reserved flag bit is set"),
    (lambda d: _fix_ip_checksum(_set(d, 2, b"\x00\x10")),
     "IPv4: total length 16 is less than the header length 20"),
    (lambda d: _set(d, 36, b"\0\0"), "TCP: bad checksum 0x0000 (should be 0x"),
    (lambda d: _set(d, 32, b"\x40"), "TCP: data offset 16 bytes is less than 20"),
    (lambda d: _set(d, 32, b"\xf0"), "TCP: truncated header with options: 24 bytes, need 60"),
])
def test_ipv4_and_tcp_errors(mutate: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse(mutate(_tcp_packet()))  # type: ignore[operator]
    assert str(info.value).startswith(message)


def test_tcp_option_errors() -> None:
    with pytest.raises(ValueError, match="option 2 length 8 does not fit the 4 bytes left"):
        parse_options(b"\x02\x08\x05\xb4")
    with pytest.raises(ValueError, match="option 3 has no length byte"):
        parse_options(b"\x01\x01\x01\x03")
    with pytest.raises(ValueError, match="option 8 length 1 does not fit"):
        parse_options(b"\x08\x01\x00\x00")


def test_udp_length_must_match() -> None:
    data = emit(Packet(IPv4(A, B, 17), UDP(1, 2), b"abcd"))
    with pytest.raises(ValueError, match="UDP: length field 13 but the datagram has 12 bytes"):
        parse(_set(data, 24, b"\x00\x0d"))


def test_icmp_checksum_and_lenient_parse_keeps_it() -> None:
    data = emit(Packet(IPv4(A, B, 1), ICMP(8, 0, 7, 1), b"ping"))
    bad = _set(data, 22, b"\x12\x34")
    with pytest.raises(ValueError, match="ICMP: bad checksum 0x1234"):
        parse(bad)
    lenient = parse(bad, strict=False)
    assert lenient.icmp == ICMP(8, 0, 7, 1, checksum=0x1234)
    assert emit(lenient) == bad


def test_lenient_parse_keeps_a_bad_ip_and_tcp_checksum() -> None:
    bad = _set(_set(_tcp_packet(), 10, b"\xbe\xef"), 36, b"\xca\xfe")
    packet = parse(bad, strict=False)
    assert packet.ip.checksum == 0xBEEF and packet.tcp is not None
    assert packet.tcp.checksum == 0xCAFE
    assert emit(packet) == bad
    assert parse(_tcp_packet()).tcp == TCP(1234, 80)  # right checksums are not kept


def test_udp_without_checksum() -> None:
    data = emit(Packet(IPv4(A, B, 17), UDP(1, 2, checksum=0), b"x"))
    assert data[26:28] == b"\0\0"
    assert parse(data).udp == UDP(1, 2, checksum=0)


def test_tcp_reserved_bits_and_ns_flag() -> None:
    data = _tcp_packet(flags=0xF12)
    assert data[32] & 0x0F == 0x0F and data[33] == 0x12
    assert parse(data).tcp.flags == 0xF12  # type: ignore[union-attr]


def test_tcp_options_helpers_and_padding() -> None:
    tcp = TCP(1, 2, options=(TcpOption.mss(1460), TcpOption.sack_permitted(),
                             TcpOption.timestamps(1, 0), TcpOption.nop(),
                             TcpOption.window_scale(7)))
    assert tcp.header_length == 40
    segment = emit(Packet(IPv4(A, B, 6), tcp))[20:]
    assert segment[20:40].hex() == "020405b40402080a0000000100000000" + "01030307"
    parsed = parse(emit(Packet(IPv4(A, B, 6), tcp))).tcp
    assert parsed == tcp and parsed.mss == 1460
    assert parsed.option(3).number() == 7  # type: ignore[union-attr]
    assert parsed.option(8).timestamp_pair() == (1, 0)  # type: ignore[union-attr]
    sack = TcpOption.sack(((10, 20), (30, 40)))
    assert sack.sack_blocks() == ((10, 20), (30, 40)) and sack.size == 18
    # a NOP needing padding reads back with the end-of-list the padding starts with
    assert parse_options(b"\x01\x00\x00\x00") == (TcpOption.nop(), TcpOption.eol())
    # bytes after an end-of-list that are not its padding are kept with it
    assert parse_options(b"\x00\x00\x00\x00\x00\x00\x00\x00") == (TcpOption(0, bytes(7)),)
    assert parse_options(b"\x00\x05\x00\x00") == (TcpOption(0, b"\x05\x00\x00"),)


def test_emit_refuses_out_of_range_fields() -> None:
    with pytest.raises(ValueError, match="TCP: sport 70000 does not fit in 16 bits"):
        emit(Packet(IPv4(A, B, 6), TCP(70000, 1)))
    with pytest.raises(ValueError, match="IPv4: ttl 256 does not fit in 8 bits"):
        emit(Packet(IPv4(A, B, 6, ttl=256), TCP(1, 1)))
    with pytest.raises(ValueError, match="TCP: options need a 64-byte header"):
        emit(Packet(IPv4(A, B, 6), TCP(1, 1, options=(TcpOption(99, bytes(40)),))))


def test_arp_and_ethernet_errors() -> None:
    arp = Arp.request(b"\x02" * 6, A, B)
    data = emit_arp(arp)
    assert len(data) == 28 and parse_arp(data) == arp
    with pytest.raises(ValueError, match="ARP: truncated message: 27 bytes, need 28"):
        parse_arp(data[:27])
    with pytest.raises(ValueError, match=r"ARP: hardware type 6 protocol 0x0800 .* only Ethernet"):
        parse_arp(b"\x00\x06" + data[2:])
    with pytest.raises(ValueError, match="Ethernet: truncated header: 13 bytes, need 14"):
        parse_frame(bytes(13))
    with pytest.raises(ValueError, match="802.3 length"):
        parse_frame(bytes(12) + b"\x00\x40" + bytes(20))
    with pytest.raises(ValueError, match="needs a parsed packet"):
        Frame(bytes(6), bytes(6), 0x0800, b"raw")


def test_frame_keeps_padding_after_arp() -> None:
    arp = Arp.reply(b"\x02" * 6, B, b"\x04" * 6, A)
    frame = Frame.of(b"\x04" * 6, b"\x02" * 6, arp)
    padded = emit_frame(frame) + bytes(18)
    parsed = parse_frame(padded)
    assert parsed.payload == arp and parsed.trailer == bytes(18)
    assert emit_frame(parsed) == padded and parsed.length == 60


def test_ipv6_tcp_and_errors() -> None:
    one = IPv6Address("::1")
    packet = IPv6Packet(IPv6(one, one, 6), TCP(40000, 2345, flags=2), b"")
    data = emit6(packet)
    assert data[:8].hex() == "6000000000140640"
    assert parse6(data) == packet
    with pytest.raises(ValueError, match="IPv6: version 4, not 6"):
        parse6(b"\x40" + data[1:])
    with pytest.raises(ValueError, match="IPv6: truncated packet: 59 bytes, need 60"):
        parse6(data[:-1])
    with pytest.raises(ValueError, match="UDP: zero checksum"):
        parse6(emit6(IPv6Packet(IPv6(one, one, 17), UDP(1, 2, checksum=0))))


def test_mac_text() -> None:
    assert mac_text(b"\x02\x00\x00\x00\x00\x01") == "02:00:00:00:00:01"
    assert parse_mac("2:0:0:0:0:ff") == b"\x02\x00\x00\x00\x00\xff"
    with pytest.raises(ValueError, match="not a MAC address"):
        parse_mac("02:00:00:00:00")
