"""tcpdump filter expressions: what each primitive selects, precedence, libpcap's errors."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from nflab.packet.arp import Arp
from nflab.packet.ethernet import BROADCAST, ZERO_MAC, Frame
from nflab.packet.filter import FilterError, UnsupportedFilter, compile_filter
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet
from nflab.packet.ipv6 import IPv6, IPv6Packet

A, B, C = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), IPv4Address("192.168.1.9")
MAC = bytes.fromhex("020000000001")
ONE = IPv6Address("::1")

FRAMES = {
    "arp": Frame.of(BROADCAST, MAC, Arp.request(MAC, A, B)),
    "ping": Frame.of(MAC, MAC, Packet(IPv4(A, B, 1), ICMP(8, 0, 1, 1), bytes(56))),
    "unreach": Frame.of(MAC, MAC, Packet(IPv4(B, A, 1), ICMP(3, 3, quoted=Packet(
        IPv4(A, B, 17), UDP(5000, 53))))),
    "http": Frame.of(MAC, MAC, Packet(IPv4(A, B, 6), TCP(40000, 80, flags=2))),
    "http-reply": Frame.of(MAC, MAC, Packet(IPv4(B, A, 6), TCP(80, 40000, flags=0x12))),
    "dns": Frame.of(MAC, MAC, Packet(IPv4(A, C, 17), UDP(5000, 53), b"q")),
    "fragment": Frame.of(MAC, MAC, Packet(IPv4(A, C, 17, frag_offset=10), None, bytes(8))),
    "sctp": Frame.of(MAC, MAC, Packet(IPv4(C, A, 132), None, bytes.fromhex("1f900050") + bytes(8))),
    "v6": Frame.of(ZERO_MAC, ZERO_MAC, IPv6Packet(IPv6(ONE, ONE, 6), TCP(2345, 80, flags=2))),
}


def _selected(expression: str) -> list[str]:
    predicate = compile_filter(expression, services=lambda name, proto: (
        80 if (name, proto) == ("http", "tcp") else None))
    return [name for name, frame in FRAMES.items() if predicate(frame)]


@pytest.mark.parametrize(("expression", "names"), [
    ("", list(FRAMES)),
    ("tcp", ["http", "http-reply", "v6"]),
    ("udp", ["dns", "fragment"]),  # the protocol field: a later fragment too
    ("icmp", ["ping", "unreach"]),
    ("arp", ["arp"]),
    ("ip", ["ping", "unreach", "http", "http-reply", "dns", "fragment", "sctp"]),
    ("ip6", ["v6"]),
    ("port 80", ["http", "http-reply", "sctp", "v6"]),  # tcp, udp and sctp ports
    ("tcp port 80", ["http", "http-reply", "v6"]),
    ("port 53", ["dns"]),  # not the quoted UDP inside the ICMP error
    ("port http", ["http", "http-reply", "v6"]),  # the name is tcp only: so is the test
    ("dst port 80", ["http", "sctp", "v6"]),
    ("src port 80", ["http-reply"]),
    ("portrange 50-80", ["http", "http-reply", "dns", "sctp", "v6"]),
    ("host 10.0.0.2", ["arp", "ping", "unreach", "http", "http-reply"]),  # ARP target too
    ("src host 10.0.0.2", ["unreach", "http-reply"]),
    ("dst host 10.0.0.2", ["arp", "ping", "http"]),
    ("ip host 10.0.0.2", ["ping", "unreach", "http", "http-reply"]),
    ("arp host 10.0.0.1", ["arp"]),
    ("src and dst host 10.0.0.1", []),
    ("host ::1", ["v6"]),
    ("net 192.168.0.0/16", ["dns", "fragment", "sctp"]),
    ("src net 10", ["arp", "ping", "unreach", "http", "http-reply", "dns", "fragment"]),
    ("net 10.0.0.0 mask 255.255.255.252 and icmp", ["ping", "unreach"]),
    ("host 10.0.0.2 or 192.168.1.9", ["arp", "ping", "unreach", "http", "http-reply", "dns",
                                      "fragment", "sctp"]),
    ("tcp port 53 or 80", ["http", "http-reply", "v6"]),  # 80 inherits "tcp port"
    # and/or are of equal precedence, left to right: (icmp or udp) and src host 10.0.0.2
    ("icmp or udp and src host 10.0.0.2", ["unreach"]),
    ("icmp or (udp and src host 10.0.0.2)", ["ping", "unreach"]),
    ("not tcp and not arp", ["ping", "unreach", "dns", "fragment", "sctp"]),
    ("! (tcp || icmp) && ip", ["dns", "fragment", "sctp"]),
    ("ip proto 132", ["sctp"]),
    ("proto 6", ["http", "http-reply", "v6"]),
    ("less 60", ["arp", "http", "http-reply", "dns", "fragment", "sctp"]),  # frame bytes
    ("greater 98", ["ping"]),
])
def test_selection(expression: str, names: list[str]) -> None:
    assert _selected(expression) == names


@pytest.mark.parametrize(("expression", "message"), [
    ("port", "can't parse filter expression: syntax error"),
    ("tcp and", "can't parse filter expression: syntax error"),
    ("()", "can't parse filter expression: syntax error"),
    ("10.0.0.1", "can't parse filter expression: syntax error"),
    ("tcp dst", "can't parse filter expression: syntax error"),
    ("TCP", "can't parse filter expression: syntax error"),
    ("port 65536", "illegal port number 65536 > 65535"),
    ("udp port 0x10000", "illegal port number 65536 > 65535"),
    ("port 080", "number 080 contains non-octal digit"),
    ("port 9999999999", "number 9999999999 overflows 32 bits"),
    ("port foo", "unknown port 'foo'"),
    ("port 80-90", "unknown port '80-90'"),
    ("udp port http", "port 'http' is tcp"),
    ("tcp host 1.2.3.4", "'tcp' modifier applied to host"),
    ("icmp port 80", "illegal qualifier of 'port'"),
    ("ip port 80", "illegal qualifier of 'port'"),
    ("host foo", "unknown host 'foo'"),
    ("host 300.1.1.1", "invalid IPv4 address '300.1.1.1'"),
    ("host 10.0.0.1/24", 'non-network bits set in "10.0.0.1/24"'),
    ("host 10.0.0.0/24", "Mask syntax for networks only"),
    ("net 10.0.0.0/33", "mask length must be <= 32"),
])
def test_errors_are_libpcaps(expression: str, message: str) -> None:
    with pytest.raises(FilterError) as info:
        _selected(expression)
    assert str(info.value) == message


def test_byte_expressions_are_not_supported() -> None:
    with pytest.raises(UnsupportedFilter):
        compile_filter("tcp[13] & 2 != 0")
