"""The answers REJECT sends (nf_reject_ipv4.c ``nf_send_reset``, ``icmp_send``)."""

from ipaddress import IPv4Address

import pytest

from nflab.netfilter.reject import icmp_unreach, tcp_reset
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpFlags

A = IPv4Address


def segment(flags: int, seq: int = 1000, ack: int = 0, payload: bytes = b"", frag: int = 0) -> Packet:
    ip = IPv4(A("192.0.2.1"), A("10.0.0.2"), 6, ttl=50, tos=0x10, ident=99, frag_offset=frag)
    return Packet(ip, TCP(40000, 22, seq=seq, ack=ack, flags=flags), payload)


def test_reset_for_a_syn_acknowledges_it() -> None:
    rst = tcp_reset(segment(TcpFlags.SYN), ttl=64)
    assert rst is not None
    assert rst.ip == IPv4(A("10.0.0.2"), A("192.0.2.1"), 6, ttl=64, tos=0, ident=0, dont_fragment=True)
    assert rst.tcp == TCP(22, 40000, seq=0, ack=1001, flags=TcpFlags.RST | TcpFlags.ACK, window=0)
    assert rst.payload == b""


def test_reset_for_data_and_fin() -> None:
    rst = tcp_reset(segment(TcpFlags.FIN | TcpFlags.PSH, seq=0xFFFFFFF0, payload=b"a" * 20), ttl=7)
    assert rst is not None and rst.tcp is not None
    assert rst.tcp.ack == (0xFFFFFFF0 + 21) & 0xFFFFFFFF and rst.ip.ttl == 7


def test_reset_for_an_ack_takes_its_sequence_from_the_ack() -> None:
    rst = tcp_reset(segment(TcpFlags.ACK | TcpFlags.PSH, seq=5, ack=777, payload=b"data"))
    assert rst is not None and rst.tcp is not None
    assert (rst.tcp.seq, rst.tcp.ack, rst.tcp.flags) == (777, 0, TcpFlags.RST)


@pytest.mark.parametrize(
    ("packet", "dst_type"),
    [
        (segment(TcpFlags.RST), "UNICAST"),
        (segment(TcpFlags.SYN, frag=3), "UNICAST"),
        (segment(TcpFlags.SYN), "BROADCAST"),
        (segment(TcpFlags.SYN), "MULTICAST"),
        (Packet(IPv4(A("192.0.2.1"), A("10.0.0.2"), 17), UDP(1, 2)), "UNICAST"),
    ],
)
def test_no_reset(packet: Packet, dst_type: str) -> None:
    assert tcp_reset(packet, dst_type=dst_type) is None


def udp_probe() -> Packet:
    ip = IPv4(A("192.0.2.1"), A("10.0.0.2"), 17, tos=0x12, ident=5)
    return Packet(ip, UDP(5000, 53), b"q" * 30)


def test_port_unreachable_from_the_local_address() -> None:
    err = icmp_unreach(udp_probe(), 3, source=lambda: A("10.0.0.9"), local=True, ident=42)
    assert err is not None
    assert err.ip == IPv4(A("10.0.0.2"), A("192.0.2.1"), 1, ttl=64, tos=0xD2, ident=42,
                          dont_fragment=False)
    assert err.icmp == ICMP(3, 3, quoted=udp_probe())
    assert err.length == 20 + 8 + udp_probe().length


def test_forwarded_packet_gets_the_routed_source() -> None:
    err = icmp_unreach(udp_probe(), 13, source=lambda: A("10.0.0.9"), local=False, ttl=9)
    assert err is not None and err.ip.src == A("10.0.0.9") and err.ip.ttl == 9
    assert err.icmp is not None and err.icmp.code == 13
    assert icmp_unreach(udp_probe(), 1, source=lambda: None, local=False) is None


def test_quote_is_limited_to_576_bytes() -> None:
    big = Packet(udp_probe().ip, UDP(5000, 53), b"q" * 1400)
    err = icmp_unreach(big, 3, source=lambda: None, local=True)
    assert err is not None and err.length == 576


@pytest.mark.parametrize(
    ("packet", "kw"),
    [
        (Packet(IPv4(A("192.0.2.1"), A("10.0.0.2"), 17, frag_offset=2), None, b"x"), {}),
        (udp_probe(), {"pkttype": "broadcast"}),
        (udp_probe(), {"dst_type": "BROADCAST"}),
        (udp_probe(), {"dst_type": "MULTICAST"}),
        (Packet(IPv4(A("192.0.2.1"), A("10.0.0.2"), 1), ICMP(3, 1, quoted=udp_probe())), {}),
        (Packet(IPv4(A("192.0.2.1"), A("10.0.0.2"), 1), ICMP(40, 0)), {}),
    ],
)
def test_no_error(packet: Packet, kw: dict) -> None:
    assert icmp_unreach(packet, 3, source=lambda: A("10.0.0.9"), local=True, **kw) is None


def test_an_echo_request_may_be_rejected() -> None:
    ping = Packet(IPv4(A("192.0.2.1"), A("10.0.0.2"), 1), ICMP(8, 0, ident=1, seq=1))
    assert icmp_unreach(ping, 10, source=lambda: None, local=True) is not None
