"""packet.wire: IPv4/TCP/UDP/ICMP bytes and their checksums."""

import struct
from ipaddress import IPv4Address

import pytest

from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpOption
from nflab.packet.wire import emit, internet_checksum


def _ip(proto: int, **kw: object) -> IPv4:
    return IPv4(IPv4Address("192.168.0.1"), IPv4Address("192.168.0.199"), proto, **kw)


def test_rfc1071_example_header() -> None:
    # the classic example header (Wikipedia "IPv4 header checksum"): checksum 0xb861
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert internet_checksum(header) == 0xB861


def test_ipv4_header_fields_and_checksum() -> None:
    packet = Packet(_ip(17, ttl=64, ident=0, tos=0), UDP(1000, 53), b"x" * 87)
    data = emit(packet)
    assert len(data) == packet.length == 0x73
    assert data[:12] == bytes.fromhex("450000730000400040110000")[:10] + data[10:12]
    assert internet_checksum(data[:20]) == 0  # a correct checksum sums to zero
    assert struct.unpack("!H", data[10:12])[0] == 0xB861


def test_fragment_flags_and_options() -> None:
    ip = _ip(6, dont_fragment=False, more_fragments=True, frag_offset=185, options=b"\x01" * 4)
    data = emit(Packet(ip, None, b"abc"))
    assert data[0] == 0x46  # IHL 6 words
    assert struct.unpack("!H", data[6:8])[0] == 0x2000 | 185
    assert data[20:24] == b"\x01" * 4 and data[24:] == b"abc"
    assert internet_checksum(data[:24]) == 0
    with pytest.raises(ValueError):
        emit(Packet(_ip(6, options=b"\x01"), None))


def _pseudo_sum(data: bytes) -> int:
    ihl = (data[0] & 0xF) * 4
    segment = data[ihl:]
    pseudo = data[12:20] + bytes([0, data[9]]) + struct.pack("!H", len(segment))
    return internet_checksum(pseudo + segment)


def test_tcp_header_options_and_checksum() -> None:
    tcp = TCP(
        443,
        5555,
        seq=1,
        ack=2,
        flags=0x12,
        window=1000,
        options=(TcpOption(2, b"\x05\xb4"), TcpOption(1), TcpOption(4)),
    )
    data = emit(Packet(_ip(6), tcp, b"hello"))
    segment = data[20:]
    assert struct.unpack("!HHII", segment[:12]) == (443, 5555, 1, 2)
    assert segment[12] >> 4 == tcp.header_length // 4 == 7
    assert segment[13] == 0x12
    assert segment[20:28] == b"\x02\x04\x05\xb4\x01\x04\x02\x00"  # MSS, NOP, SACK-perm, pad
    assert segment[tcp.header_length :] == b"hello"
    assert _pseudo_sum(data) == 0


def test_udp_checksum_never_zero() -> None:
    data = emit(Packet(_ip(17), UDP(7, 7), b"ping"))
    assert struct.unpack("!HHH", data[20:26]) == (7, 7, 12)
    assert _pseudo_sum(data) == 0
    assert data[26:28] != b"\0\0"


def test_icmp_echo_and_error_quote() -> None:
    echo = emit(Packet(_ip(1), ICMP(8, 0, ident=0x1234, seq=7), b"data"))
    assert echo[20:22] == b"\x08\x00" and echo[24:28] == b"\x12\x34\x00\x07"
    assert internet_checksum(echo[20:]) == 0
    inner = Packet(_ip(17), UDP(1000, 53), b"q" * 600)
    error = Packet(_ip(1), ICMP(3, 4, mtu=1400, quoted=inner))
    data = emit(error)
    assert len(data) == error.length == 20 + 8 + 548
    assert struct.unpack("!H", data[26:28])[0] == 1400
    assert data[28:48] == emit(inner)[:20]
    assert internet_checksum(data[20:]) == 0
