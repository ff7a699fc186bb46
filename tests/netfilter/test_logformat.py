"""The LOG target's kernel line (nf_log_syslog.c ``nf_log_ip_packet``)."""

from ipaddress import IPv4Address

import pytest

from nflab.netfilter.logformat import LogContext, LogFlag, context_of, format_log_line
from nflab.netfilter.skb import Skb
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpFlags, TcpOption

A = IPv4Address
ETH = bytes.fromhex("020000000002" "020000000001" "0800")
SYN = Packet(
    IPv4(A("10.0.0.1"), A("10.0.0.2"), 6, ident=4660),
    TCP(40000, 80, seq=1000, flags=TcpFlags.SYN,
        options=(TcpOption(2, b"\x05\xb4"), TcpOption(1), TcpOption(3, b"\x07"))),
)
HEAD = "SRC=10.0.0.1 DST=10.0.0.2 LEN=48 TOS=0x00 PREC=0x00 TTL=64 ID=4660 DF "


def line(packet: Packet = SYN, **kw: object) -> str:
    return format_log_line(packet, LogContext(**kw))  # type: ignore[arg-type]


def test_input_packet() -> None:
    assert line(prefix="IN: ", in_iface="eth0", mac_header=ETH) == (
        "IN: IN=eth0 OUT= MAC=02:00:00:00:00:02:02:00:00:00:00:01:08:00 " + HEAD
        + "PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 "
    )


def test_output_packet_has_no_mac_part() -> None:
    assert line(out_iface="eth1").startswith("IN= OUT=eth1 SRC=10.0.0.1 ")


def test_forwarded_packet_and_a_device_without_header() -> None:
    assert line(in_iface="tun0", out_iface="eth1").startswith("IN=tun0 OUT=eth1 MAC= SRC=")


def test_tcp_sequence_and_options() -> None:
    text = line(flags=LogFlag.TCPSEQ | LogFlag.TCPOPT)
    assert text.endswith(
        "PROTO=TCP SPT=40000 DPT=80 SEQ=1000 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 "
        "OPT (020405B401030307) "
    )


def test_macdecode_on_ethernet_and_fallback_on_loopback() -> None:
    decoded = line(in_iface="eth0", mac_header=ETH, flags=LogFlag.MACDECODE)
    assert "IN=eth0 OUT= MACSRC=02:00:00:00:00:01 MACDST=02:00:00:00:00:02 MACPROTO=0800 SRC=" in decoded
    lo = line(in_iface="lo", mac_header=bytes(12) + b"\x08\x00", ethernet=False,
              flags=LogFlag.MACDECODE)
    assert "IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=" in lo


def test_flags_tos_and_ip_options() -> None:
    pkt = Packet(
        IPv4(A("10.0.0.1"), A("10.0.0.2"), 6, ttl=3, tos=0xB8, options=b"\x94\x04\x00\x00"),
        TCP(1, 2, flags=TcpFlags.FIN | TcpFlags.PSH | TcpFlags.ACK | TcpFlags.URG
            | TcpFlags.ECE | TcpFlags.CWR, window=5, urgent=9),
    )
    assert line(pkt) == (
        "IN= OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=44 TOS=0x18 PREC=0xA0 TTL=3 ID=0 DF "
        "PROTO=TCP SPT=1 DPT=2 WINDOW=5 RES=0x00 CWR ECE URG ACK PSH FIN URGP=9 "
    )
    assert "ID=0 DF OPT (94040000) PROTO=TCP" in line(pkt, flags=LogFlag.IPOPT)


def test_udp_and_fragments() -> None:
    udp = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), 17, dont_fragment=False, more_fragments=True),
                 UDP(53, 5353), b"x" * 12)
    assert line(udp).endswith("LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=0 MF PROTO=UDP SPT=53 DPT=5353 LEN=20 ")
    later = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), 6, dont_fragment=False, frag_offset=185),
                   None, b"y" * 100)
    assert line(later).endswith("LEN=120 TOS=0x00 PREC=0x00 TTL=64 ID=0 FRAG:185 PROTO=TCP ")


def test_uid_and_mark() -> None:
    assert line(flags=LogFlag.UID, uid_gid=(1000, 100), mark=0x2A).endswith(
        "URGP=0 UID=1000 GID=100 MARK=0x2a "
    )
    assert line(flags=LogFlag.UID).endswith("URGP=0 ")  # no local socket: nothing
    assert line(uid_gid=(0, 0)).endswith("URGP=0 ")  # not asked for


def test_icmp_echo_and_parameter_problem() -> None:
    echo = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), 1), ICMP(8, 0, ident=7, seq=3), b"p" * 56)
    assert line(echo).endswith("LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=3 ")
    quoted = Packet(IPv4(A("10.0.0.2"), A("10.0.0.1"), 6), TCP(80, 40000))
    problem = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), 1),
                     ICMP(12, 0, quoted=quoted, gateway=A("20.0.0.0")))
    assert line(problem).endswith("PROTO=ICMP TYPE=12 CODE=0 PARAMETER=20 ")


def test_icmp_error_dumps_the_quoted_packet_once() -> None:
    inner = Packet(IPv4(A("10.0.0.2"), A("192.0.2.9"), 17, ident=9), UDP(5000, 33434), b"z" * 4)
    err = Packet(IPv4(A("10.0.0.254"), A("10.0.0.2"), 1, tos=0xC0, dont_fragment=False),
                 ICMP(3, 3, quoted=inner))
    assert line(err, mark=1) == (
        "IN= OUT= SRC=10.0.0.254 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0xC0 TTL=64 ID=0 "
        "PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.2 DST=192.0.2.9 LEN=32 TOS=0x00 PREC=0x00 "
        "TTL=64 ID=9 DF PROTO=UDP SPT=5000 DPT=33434 LEN=12 ] MARK=0x1 "
    )
    frag_needed = Packet(IPv4(A("10.0.0.254"), A("10.0.0.2"), 1), ICMP(3, 4, quoted=inner, mtu=1400))
    assert line(frag_needed).endswith("LEN=12 ] MTU=1400 ")
    redirect = Packet(IPv4(A("10.0.0.254"), A("10.0.0.2"), 1),
                      ICMP(5, 1, quoted=inner, gateway=A("10.0.0.3")))
    assert "TYPE=5 CODE=1 GATEWAY=10.0.0.3 [SRC=10.0.0.2 " in line(redirect)


def test_quoted_icmp_echo_and_nested_error_are_not_recursed() -> None:
    echo = Packet(IPv4(A("10.0.0.2"), A("192.0.2.9"), 1), ICMP(8, 0, ident=1, seq=2), b"q" * 8)
    err = Packet(IPv4(A("10.0.0.254"), A("10.0.0.2"), 1), ICMP(11, 0, quoted=echo))
    assert line(err).endswith("[SRC=10.0.0.2 DST=192.0.2.9 LEN=36 TOS=0x00 PREC=0x00 TTL=64 "
                              "ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=2 ] ")
    nested = Packet(IPv4(A("10.0.0.254"), A("10.0.0.2"), 1), ICMP(11, 0, quoted=err))
    assert line(nested).endswith("PROTO=ICMP TYPE=11 CODE=0 ] ")


@pytest.mark.parametrize(
    ("proto", "payload", "tail"),
    [
        (50, bytes.fromhex("0000abcd00000001"), "PROTO=ESP SPI=0xabcd "),
        (50, b"\x00\x01", "PROTO=ESP INCOMPLETE [2 bytes] "),
        (51, bytes.fromhex("06040000" "00001000" "00000001"), "PROTO=AH SPI=0x1000 "),
        (51, b"\x06", "PROTO=AH INCOMPLETE [1 bytes] "),
        (47, b"", "PROTO=47 "),
        (6, b"\x00" * 4, "PROTO=TCP INCOMPLETE [4 bytes] "),
        (17, b"", "PROTO=UDP INCOMPLETE [0 bytes] "),
        (1, b"", "PROTO=ICMP INCOMPLETE [0 bytes] "),
    ],
)
def test_raw_transports(proto: int, payload: bytes, tail: str) -> None:
    pkt = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), proto), None, payload)
    assert line(pkt).endswith(f"ID=0 DF {tail}")


def test_ah_fragment_prints_no_protocol() -> None:
    pkt = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), 51, frag_offset=10), None, b"x" * 16)
    assert line(pkt).endswith("FRAG:10 ")


def test_context_of_a_packet_in_flight() -> None:
    skb = Skb(SYN, in_iface="lo", mac_header=ETH, mark=5, sock_uid=7, sock_gid=8)
    ctx = context_of(skb, "p ", LogFlag.UID)
    assert (ctx.prefix, ctx.in_iface, ctx.ethernet, ctx.mark, ctx.uid_gid) == ("p ", "lo", False, 5, (7, 8))
    assert context_of(Skb(SYN, in_iface="eth0"), "", 0).ethernet
    assert context_of(Skb(SYN), "", 0).uid_gid is None
