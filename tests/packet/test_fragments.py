"""Fragmentation and reassembly of packet values."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nflab.packet.ethernet import Frame
from nflab.packet.fragments import fragment, reassemble
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet
from nflab.packet.tcpdump import TcpdumpPrinter
from nflab.packet.wire import emit, parse
from packet_strategies import inner_packets

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


@settings(max_examples=150, deadline=None)
@given(inner_packets, st.binary(min_size=0, max_size=3000), st.integers(68, 1500))
def test_fragments_reassemble_to_the_packet(packet: Packet, data: bytes, mtu: int) -> None:
    packet = Packet(packet.ip, packet.l4, data)
    if packet.length > 65535 or packet.ip.header_length + 8 > mtu:
        return
    pieces = fragment(packet, mtu)
    assert all(piece.length <= mtu for piece in pieces)
    assert all(parse(emit(piece)) == piece for piece in pieces)
    if len(pieces) == 1:
        assert pieces == [packet]
        return
    assert {piece.ip.ident for piece in pieces} == {packet.ip.ident}
    assert [p.ip.more_fragments for p in pieces] == [True] * (len(pieces) - 1) + [False]
    assert all((p.length - p.ip.header_length) % 8 == 0 for p in pieces[:-1])
    if isinstance(packet.l4, TCP | UDP) and pieces[0].l4 is not None:  # the ports are there
        assert (pieces[0].l4.sport, pieces[0].l4.dport) == (packet.l4.sport, packet.l4.dport)
    whole = Packet(IPv4(packet.ip.src, packet.ip.dst, packet.ip.proto, packet.ip.ttl,
                        packet.ip.tos, packet.ip.ident, False, False, 0, packet.ip.options),
                   packet.l4, packet.payload)
    assert reassemble(list(reversed(pieces))) == whole


def test_ping_2000_on_a_1500_link_as_tcpdump_shows_it() -> None:
    """``ping -s 2000`` over a veth (data/ is from 1400-MTU links; this is the 1500 case of
    the first capture session: ``length 1480`` then ``ip-proto-1``, frames 1514 and 562)."""
    echo = Packet(IPv4(A, B, 1, ident=7, dont_fragment=False), ICMP(8, 0, 13676, 1),
                  bytes(2000))
    pieces = fragment(echo, 1500)
    printer = TcpdumpPrinter(link_level=True)
    lines = [printer.line(1_700_000_000.0, Frame.of(MAC_B, MAC_A, p))[16:] for p in pieces]
    assert lines == [
        "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 1514: "
        "10.0.0.1 > 10.0.0.2: ICMP echo request, id 13676, seq 1, length 1480",
        "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 562: "
        "10.0.0.1 > 10.0.0.2: ip-proto-1",
    ]


def test_options_not_copied_become_no_ops_and_holes_are_refused() -> None:
    record_route = bytes([7, 7, 4]) + bytes(4) + b"\x00"  # not copied
    security = bytes([0x82, 4, 0, 0])  # the copy flag set
    packet = Packet(IPv4(A, B, 17, dont_fragment=False, options=record_route + security),
                    UDP(1, 2), bytes(100))
    first, second, *_ = fragment(packet, 68)
    assert first.ip.options == record_route + security
    assert second.ip.options == b"\x01" * 7 + b"\x00" + security
    pieces = fragment(packet, 68)
    with pytest.raises(ValueError, match="a hole at byte"):
        reassemble(pieces[:1] + pieces[2:])
    with pytest.raises(ValueError, match="the first or the last fragment is missing"):
        reassemble(pieces[1:])
