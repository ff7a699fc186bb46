"""tcpdump lines: real captures replayed, and constructed packets against captured lines.

``data/*.pcap`` were captured on this kind of host (Debian 12, tcpdump 4.99.3)
in throwaway namespaces: ``lo`` (ping, nc, HTTP, ``::1``), and a router
namespace between two hosts (ARP, time exceeded, need-to-frag, REJECT
variants, a redirect, fragments, ECN); ``data/*.txt`` is what
``TZ=UTC tcpdump -n [-e] -r`` printed for them.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from pathlib import Path

import pytest

from nflab.packet.arp import Arp
from nflab.packet.ethernet import BROADCAST, ZERO_MAC, Frame, parse_frame
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpFlags, TcpOption
from nflab.packet.ipv6 import IPv6, IPv6Packet
from nflab.packet.pcap import decode_pcap
from nflab.packet.tcpdump import TcpdumpPrinter, timestamp_text

DATA = Path(__file__).parent / "data"
LO = IPv4Address("127.0.0.1")
A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
T0 = 1_700_000_000.0  # 22:13:20 UTC
S, A_, P, F, R = TcpFlags.SYN, TcpFlags.ACK, TcpFlags.PSH, TcpFlags.FIN, TcpFlags.RST


@pytest.mark.parametrize("name", ["lo", "lo6", "route"])
@pytest.mark.parametrize("link_level", [False, True])
def test_real_captures_print_as_tcpdump_printed_them(name: str, link_level: bool) -> None:
    records = decode_pcap((DATA / f"{name}.pcap").read_bytes()).records
    expected = (DATA / f"{name}{'-e' if link_level else ''}.txt").read_text().splitlines()
    printer = TcpdumpPrinter(link_level)
    assert [printer.line(r.timestamp, r.data) for r in records] == expected


def _lo(packet: Packet | IPv6Packet) -> Frame:
    return Frame.of(ZERO_MAC, ZERO_MAC, packet)


def _ts_syn(val: int, ecr: int, mss: int = 65495) -> tuple[TcpOption, ...]:
    return (TcpOption.mss(mss), TcpOption.sack_permitted(), TcpOption.timestamps(val, ecr),
            TcpOption.nop(), TcpOption.window_scale(10))


def _ts(val: int, ecr: int) -> tuple[TcpOption, ...]:
    return (TcpOption.nop(), TcpOption.nop(), TcpOption.timestamps(val, ecr))


def test_tcp_connection_with_relative_sequence_numbers() -> None:
    """The nc 127.0.0.1 1234 exchange of data/lo.txt, rebuilt from values."""
    c, s = 58918, 1234
    isn_c, isn_s = 91965958, 3834156829

    def seg(sport: int, dport: int, seq: int, ack: int, flags: int, win: int,
            options: tuple[TcpOption, ...], data: bytes = b"") -> Frame:
        return _lo(Packet(IPv4(LO, LO, 6), TCP(sport, dport, seq, ack, flags, win, 0, options),
                          data))

    frames = [
        seg(c, s, isn_c, 0, S, 65495, _ts_syn(3646582246, 0)),
        seg(s, c, isn_s, isn_c + 1, S | A_, 65483, _ts_syn(905709267, 3646582246)),
        seg(c, s, isn_c + 1, isn_s + 1, A_, 64, _ts(3646582246, 905709267)),
        seg(c, s, isn_c + 1, isn_s + 1, P | A_, 64, _ts(3646582246, 905709267), b"hello\n"),
        seg(s, c, isn_s + 1, isn_c + 7, A_, 64, _ts(905709267, 3646582246)),
        seg(c, s, isn_c + 7, isn_s + 1, F | A_, 64, _ts(3646582246, 905709267)),
        seg(s, c, isn_s + 1, isn_c + 8, F | A_, 64, _ts(905709267, 3646582246)),
        seg(c, s, isn_c + 8, isn_s + 2, A_, 64, _ts(3646582246, 905709267)),
    ]
    printer = TcpdumpPrinter()
    lines = [printer.line(1_700_000_000.285554, f)[16:] for f in frames]
    expected = [line[16:] for line in (DATA / "lo.txt").read_text().splitlines()[4:12]]
    assert lines == expected
    assert lines[1].startswith("IP 127.0.0.1.1234 > 127.0.0.1.58918: Flags [S.], seq 3834156829, "
                               "ack 91965959, win 65483, options [mss 65495,sackOK,TS val ")
    assert lines[3] == ("IP 127.0.0.1.58918 > 127.0.0.1.1234: Flags [P.], seq 1:7, ack 1, win 64, "
                        "options [nop,nop,TS val 3646582246 ecr 905709267], length 6")


def test_reset_after_syn_prints_absolute_numbers_once() -> None:
    printer = TcpdumpPrinter(link_level=True)
    syn = Packet(IPv4(A, B, 6), TCP(36732, 80, 294851415, 0, S, 64240, 0, _ts_syn(103577142, 0, 1460)))
    rst = Packet(IPv4(B, A, 6), TCP(80, 36732, 0, 294851416, R | A_, 0))
    assert printer.line(T0, Frame.of(MAC_B, MAC_A, syn)) == (
        "22:13:20.000000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), "
        "length 74: 10.0.0.1.36732 > 10.0.0.2.80: Flags [S], seq 294851415, win 64240, "
        "options [mss 1460,sackOK,TS val 103577142 ecr 0,nop,wscale 10], length 0")
    assert printer.line(T0 + 0.000011, Frame.of(MAC_A, MAC_B, rst)) == (
        "22:13:20.000011 02:00:00:00:00:02 > 02:00:00:00:00:01, ethertype IPv4 (0x0800), "
        "length 54: 10.0.0.2.80 > 10.0.0.1.36732: Flags [R.], seq 0, ack 294851416, win 0, "
        "length 0")


def test_arp_request_and_reply() -> None:
    request = Frame.of(BROADCAST, MAC_A, Arp.request(MAC_A, A, B))
    reply = Frame.of(MAC_A, MAC_B, Arp.reply(MAC_B, B, MAC_A, A))
    plain, link = TcpdumpPrinter(), TcpdumpPrinter(link_level=True)
    assert plain.line(T0, request) == (
        "22:13:20.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28")
    assert plain.line(T0, reply) == (
        "22:13:20.000000 ARP, Reply 10.0.0.2 is-at 02:00:00:00:00:02, length 28")
    assert link.line(T0, request) == (
        "22:13:20.000000 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), "
        "length 42: Request who-has 10.0.0.2 tell 10.0.0.1, length 28")


def test_icmp_echo_and_errors_name_the_quoted_packet() -> None:
    printer = TcpdumpPrinter()
    echo = Packet(IPv4(LO, LO, 1), ICMP(8, 0, 13597, 1), bytes(56))
    assert printer.line(T0, _lo(echo)).endswith(
        "IP 127.0.0.1 > 127.0.0.1: ICMP echo request, id 13597, seq 1, length 64")
    udp = Packet(IPv4(A, B, 17), UDP(38446, 7777), b"x\n")
    unreachable = Packet(IPv4(B, A, 1, tos=0xC0), ICMP(3, 3, quoted=udp))
    assert printer.line(T0, _lo(unreachable)).endswith(
        "IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 7777 unreachable, length 38")
    syn = Packet(IPv4(A, B, 6), TCP(40984, 81, 1, 0, S, options=_ts_syn(1, 0, 1360)))
    for code, text in [(3, "10.0.0.2 tcp port 81 unreachable"),
                       (10, "host 10.0.0.2 unreachable - admin prohibited"),
                       (13, "host 10.0.0.2 unreachable - admin prohibited filter"),
                       (2, "10.0.0.2 protocol 6 unreachable")]:
        error = Packet(IPv4(B, A, 1), ICMP(3, code, quoted=syn))
        assert printer.line(T0, _lo(error)).endswith(f"ICMP {text}, length 68")
    big = Packet(IPv4(A, B, 1), ICMP(8, 0, 1, 1), bytes(1450))
    frag = Packet(IPv4(IPv4Address("10.0.0.254"), A, 1), ICMP(3, 4, mtu=1400, quoted=big))
    assert printer.line(T0, _lo(frag)).endswith(
        "ICMP 10.0.0.2 unreachable - need to frag (mtu 1400), length 556")
    expired = Packet(IPv4(IPv4Address("10.0.0.254"), A, 1), ICMP(11, 0, quoted=big))
    assert printer.line(T0, _lo(expired)).endswith("ICMP time exceeded in-transit, length 556")
    redirect = Packet(IPv4(IPv4Address("10.0.0.254"), A, 1),
                      ICMP(5, 1, gateway=IPv4Address("10.0.0.3"), quoted=echo))
    assert printer.line(T0, _lo(redirect)).endswith(
        "ICMP redirect 127.0.0.1 to host 10.0.0.3, length 92")


def test_udp_fragments_and_other_protocols() -> None:
    printer = TcpdumpPrinter()
    udp = Packet(IPv4(LO, LO, 17), UDP(34020, 5000), b"udpdata\n")
    assert printer.line(T0, _lo(udp))[16:] == "IP 127.0.0.1.34020 > 127.0.0.1.5000: UDP, length 8"
    later = Packet(IPv4(A, B, 1, frag_offset=185), None, bytes(540))
    assert printer.line(T0, _lo(later))[16:] == "IP 10.0.0.1 > 10.0.0.2: ip-proto-1"
    first = Packet(IPv4(A, B, 17, dont_fragment=False, more_fragments=True),
                   UDP(40000, 40001, checksum=0x1234, length=3008), bytes(1472))
    assert printer.line(T0, _lo(first))[16:] == "IP 10.0.0.1.40000 > 10.0.0.2.40001: UDP, length 3000"
    gre = Packet(IPv4(A, B, 253), None, bytes(12))
    assert printer.line(T0, _lo(gre))[16:] == "IP 10.0.0.1 > 10.0.0.2:  ip-proto-253 12"


def test_ipv6_loopback() -> None:
    one = IPv6Address("::1")
    printer = TcpdumpPrinter(link_level=True)
    syn = IPv6Packet(IPv6(one, one, 6), TCP(57986, 2345, 3955488598, 0, S, 65476, 0,
                                             _ts_syn(3877587087, 0, 65476)))
    assert printer.line(T0, _lo(syn))[16:] == (
        "00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv6 (0x86dd), length 94: "
        "::1.57986 > ::1.2345: Flags [S], seq 3955488598, win 65476, "
        "options [mss 65476,sackOK,TS val 3877587087 ecr 0,nop,wscale 10], length 0")
    udp = IPv6Packet(IPv6(one, one, 17), UDP(46248, 5001), b"v6udp\n")
    assert TcpdumpPrinter().line(T0, _lo(udp))[16:] == "IP6 ::1.46248 > ::1.5001: UDP, length 6"


def test_http_first_line_and_tcp_option_oddities() -> None:
    printer = TcpdumpPrinter()

    def line(tcp: TCP, data: bytes = b"") -> str:
        return printer.line(T0, _lo(Packet(IPv4(A, B, 6), tcp, data)))[16:]

    get = TCP(50430, 80, 1, 1, P | A_, 64)
    assert line(get, b"GET / HTTP/1.0\r\n\r\n").endswith("length 18: HTTP: GET / HTTP/1.0")
    assert line(get, b"GET /unfinished").endswith("length 15: HTTP: GET /unfinished [|http]")
    assert line(get, b"\x00\x01binary").endswith("length 8: HTTP")
    # tcpdump reads 2 bytes of an MSS whatever its length byte says: the third is a NOP
    odd = TCP(40000, 40001, 5, 0, S, 100, 0, (TcpOption(2, b"\x05\xb4\x01"), TcpOption(99, b"\xab")))
    assert line(odd).endswith("options [mss 1460[len 5],nop,unknown-99 0xab], length 0")
    sack = TCP(40000, 40001, 10, 20, A_, 100, 0,
               (TcpOption.nop(), TcpOption.nop(), TcpOption.sack(((25, 30),))))
    # SACK edges are relative to the peer's initial sequence number (ack - 1 of the first ACK)
    assert "ack 20, win 100, options [nop,nop,sack 1 {6:11}]" in line(sack)
    assert "ack 1, win 100, options [nop,nop,sack 1 {6:11}]" in line(sack)


def test_bytes_that_do_not_parse_keep_the_link_header() -> None:
    printer = TcpdumpPrinter()
    assert printer.line(T0, bytes(10)) == "22:13:20.000000 [|ether]"
    broken = MAC_B + MAC_A + b"\x08\x00" + b"\x45\x00\x00\x14"
    assert printer.line(T0, broken).endswith("ethertype IPv4 (0x0800), length 18: [|ipv4]")
    assert parse_frame(broken + bytes(16), strict=False).payload is not None


def test_timestamp_text_rounds_to_the_microsecond() -> None:
    assert timestamp_text(1_700_000_000.0) == "22:13:20.000000"
    assert timestamp_text(1_700_000_000.9999996) == "22:13:21.000000"
    assert timestamp_text(86399.123456) == "23:59:59.123456"
