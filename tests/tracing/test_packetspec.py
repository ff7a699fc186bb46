"""PACKET words: what they build, and errors that point at the bad word."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from nflab.packet.headers import TCP, UDP, Packet, TcpFlags
from nflab.trace.flows import changes, flow_of, summary
from nflab.trace.packetspec import SpecError, parse_packet, parse_packets


def test_tcp_arriving_with_flags() -> None:
    spec = parse_packet("tcp 192.0.2.1:40000 > 10.0.0.1:22 in eth0 syn,ack ttl 9")
    p = spec.packet
    assert spec.in_iface == "eth0" and not spec.established
    assert (p.ip.src, p.ip.dst, p.ip.ttl) == (IPv4Address("192.0.2.1"), IPv4Address("10.0.0.1"), 9)
    assert isinstance(p.l4, TCP) and (p.l4.sport, p.l4.dport) == (40000, 22)
    assert p.l4.flags == TcpFlags.SYN | TcpFlags.ACK


def test_defaults_and_other_spellings() -> None:
    spec = parse_packet("TCP 10.0.0.2 -> 10.0.0.1:80")
    assert spec.in_iface == "" and spec.packet.tcp is not None
    assert spec.packet.tcp.flags == TcpFlags.SYN  # a first packet
    udp = parse_packet("udp 10.0.0.2:5353 to 10.0.0.1:53 in eth1 len 12 established").packet
    assert isinstance(udp.l4, UDP) and len(udp.payload) == 12
    icmp = parse_packet("icmp 10.0.0.2 > 10.0.0.1 in eth0 echo-reply id 7 seq 3").packet.icmp
    assert icmp is not None and (icmp.type, icmp.ident, icmp.seq) == (0, 7, 3)
    assert parse_packet("47 10.0.0.2 > 10.0.0.1").packet.ip.proto == 47
    assert parse_packet("tcp 1.2.3.4:1 > 5.6.7.8:2 flags ack fin mac 00:11:22:33:44:55").src_mac \
        == bytes.fromhex("001122334455")


def test_several_packets() -> None:
    specs = parse_packets("tcp 1.1.1.1:1 > 2.2.2.2:2 in a; tcp 2.2.2.2:2 > 1.1.1.1:1 syn,ack")
    assert [s.in_iface for s in specs] == ["a", ""]


@pytest.mark.parametrize("text, word, message", [
    ("tcp 192.0.2.1:40000 > 10.0.0.1:22 in eth0 bogus", "bogus", "unknown word"),
    ("tcp 192.0.2.300:1 > 10.0.0.1:22", "192.0.2.300:1", "not an IPv4 address"),
    ("tcp 192.0.2.1:70000 > 10.0.0.1:22", "192.0.2.1:70000", "not a port number"),
    ("tcp 192.0.2.1:1 < 10.0.0.1:22", "<", "expected `>`"),
    ("sctpx 1.1.1.1 > 2.2.2.2", "sctpx", "unknown protocol"),
    ("icmp 1.1.1.1:5 > 2.2.2.2", "1.1.1.1:5", "icmp has no ports"),
    ("tcp 1.1.1.1:5 > 2.2.2.2", "2.2.2.2", "needs a destination port"),
    ("tcp 1.1.1.1:5 > 2.2.2.2:1 ttl x", "x", "not a number"),
    ("tcp 1.1.1.1:5 > 2.2.2.2:1 flags syn,wat", "syn,wat", "unknown TCP flag"),
    ("udp 1.1.1.1:5 > 2.2.2.2:1 syn", "syn", "not TCP"),
    ("tcp 1.1.1.1:5 > 2.2.2.2:1 echo-request", "echo-request", "not ICMP"),
    ("tcp 1.1.1.1:5 > 2.2.2.2:1 in", "in", "needs a value"),
])  # fmt: skip
def test_errors_name_the_word(text: str, word: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_packet(text)
    assert caught.value.word == word
    assert message in str(caught.value) and f"`{word}`" in str(caught.value)


def test_nothing_at_all() -> None:
    with pytest.raises(SpecError, match="no packet given"):
        parse_packets(" ; ")
    with pytest.raises(SpecError, match="expected `PROTO"):
        parse_packet("tcp 1.1.1.1")


def test_flows_summaries_and_changes() -> None:
    a = parse_packet("tcp 192.0.2.1:40000 > 10.0.0.1:22 syn").packet
    assert summary(a) == "tcp 192.0.2.1:40000 > 10.0.0.1:22 [S]"
    assert flow_of(a).reversed() == flow_of(parse_packet("tcp 10.0.0.1:22 > 192.0.2.1:40000").packet)
    from dataclasses import replace

    assert a.tcp is not None
    b: Packet = replace(a, ip=replace(a.ip, dst=IPv4Address("10.1.0.1"), ttl=63),
                        l4=replace(a.tcp, dport=8080))
    assert [(c.field, c.old, c.new) for c in changes(a, b)] == [
        ("dst", "10.0.0.1", "10.1.0.1"), ("ttl", "64", "63"), ("dport", "22", "8080")]
    ping = parse_packet("icmp 10.0.0.2 > 10.0.0.1 id 9 seq 2").packet
    assert summary(ping) == "icmp 10.0.0.2 > 10.0.0.1 echo-request id 9 seq 2"
    assert flow_of(ping).reversed() == flow_of(
        parse_packet("icmp 10.0.0.1 > 10.0.0.2 echo-reply id 9").packet)
