"""Differential: the real tcpdump reads our pcap files and prints what our printer prints.

Frames are generated over what nflab reproduces (see ``nflab.packet.tcpdump``):
ports without one of tcpdump's application decoders, TCP option kinds with a
plain printer, ICMPv6 echo and unreachable. Skipped where tcpdump is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nflab.packet.ethernet import Frame, emit_frame
from nflab.packet.filter import FilterError, compile_filter
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpOption
from nflab.packet.ipv6 import IPv6, IPv6Packet, emit6
from nflab.packet.pcap import PcapRecord, encode_pcap
from nflab.packet.tcpdump import TcpdumpPrinter
from packet_strategies import arp_messages, ipv4_headers, macs, small_payloads, u8, u16, u32

TCPDUMP = shutil.which("tcpdump")
pytestmark = pytest.mark.skipif(TCPDUMP is None, reason="tcpdump is not installed")

_A = [IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")]
_PORTS = st.sampled_from([40000, 40001, 47999, 80, 8080])
_PLAIN_KINDS = [k for k in range(9, 254) if k not in (19, 20, 29, 30, 34)] + [6, 7, 11, 12, 13]
_options = st.lists(st.one_of(
    st.just(TcpOption.nop()),
    st.builds(TcpOption.mss, u16),
    st.builds(TcpOption.window_scale, u8),
    st.just(TcpOption.sack_permitted()),
    st.builds(TcpOption.sack, st.lists(st.tuples(u32, u32), min_size=1, max_size=3).map(tuple)),
    st.builds(TcpOption.timestamps, u32, u32),
    st.builds(TcpOption, st.sampled_from([2, 3, 5, 8, 28, *_PLAIN_KINDS]), st.binary(max_size=9)),
), max_size=6).map(tuple).filter(lambda opts: sum(o.size for o in opts) <= 40)
_http = st.sampled_from([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.0 200 OK\r\n",
                         b"POST /a HTTP/1.0", b"get x\n", b"HTTP/1.1 404 x\rz", b"\x00GET"])


@st.composite
def _tcp_packet(draw: st.DrawFn) -> Packet:
    src, dst = draw(st.permutations(_A))
    tcp = TCP(draw(_PORTS), draw(_PORTS), draw(u32), draw(u32), draw(st.integers(0, 0xFFF)),
              draw(u16), draw(u16), draw(_options))
    payload = draw(st.one_of(small_payloads, _http))
    return Packet(IPv4(src, dst, 6), tcp, payload)


_udp_packet = st.builds(lambda ip, s, d, p: Packet(ip, UDP(s, d), p),
                        ipv4_headers(st.just(17)), st.integers(40000, 48000),
                        st.integers(40000, 48000), small_payloads)
_plain_inner = st.one_of(_tcp_packet(), _udp_packet,
                         st.builds(Packet, ipv4_headers(st.just(253)), st.none(), small_payloads))


@st.composite
def _icmp_packet(draw: st.DrawFn) -> Packet:
    ip = draw(ipv4_headers(st.just(1)))
    kind = draw(st.sampled_from(list(range(0, 20))))
    code = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 9, 13, 15, 16]))
    if kind in (3, 4, 5, 11, 12):
        quoted = draw(st.one_of(st.none(), _plain_inner))
        gateway = draw(st.builds(IPv4Address, st.integers(1, 2**32 - 1)))
        icmp = ICMP(kind, code, draw(u16), 0, quoted, gateway, draw(u16))
        return Packet(ip, icmp, draw(st.binary(max_size=30)) if quoted is None else b"")
    return Packet(ip, ICMP(kind, code, draw(u16), draw(u16)), draw(st.binary(max_size=40)))


_later_fragment = st.builds(Packet, ipv4_headers(st.sampled_from([1, 6, 17, 253]), fragment=True),
                            st.none(), small_payloads)
_one = IPv6Address("::1")


@st.composite
def _ipv6_packet(draw: st.DrawFn) -> IPv6Packet:
    kind = draw(st.sampled_from(["tcp", "udp", "echo", "unreach", "none"]))
    if kind == "tcp":
        tcp = draw(_tcp_packet()).tcp
        return IPv6Packet(IPv6(_one, _one, 6), tcp, draw(small_payloads))
    if kind == "udp":
        udp = UDP(draw(st.integers(40000, 48000)), draw(st.integers(40000, 48000)))
        return IPv6Packet(IPv6(_one, _one, 17), udp, draw(small_payloads))
    if kind == "none":
        return IPv6Packet(IPv6(_one, _one, 59), None, b"")
    if kind == "echo":
        body = bytes([draw(st.sampled_from([128, 129])), 0, 0, 0]) + draw(st.binary(min_size=4))
        return IPv6Packet(IPv6(_one, _one, 58), None, body)
    inner = emit6(IPv6Packet(IPv6(_one, _one, 17), UDP(draw(st.integers(40000, 48000)), 7)))
    return IPv6Packet(IPv6(_one, _one, 58), None, bytes([1, 4, 0, 0, 0, 0, 0, 0]) + inner)


_arp = arp_messages.filter(lambda a: a.op in (1, 2, 3, 4, 8, 9))
_l3 = st.one_of(_tcp_packet(), _udp_packet, _icmp_packet(), _later_fragment, _ipv6_packet(),
                _arp)


@st.composite
def _frames(draw: st.DrawFn) -> tuple[float, bytes]:
    payload = draw(_l3)
    frame = Frame.of(draw(macs), draw(macs), payload)
    trailer = draw(st.binary(max_size=12))
    return draw(st.floats(1.6e9, 1.9e9)), emit_frame(frame) + trailer


def _run(records: list[PcapRecord], *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.NamedTemporaryFile(suffix=".pcap") as handle:
        handle.write(encode_pcap(records))
        handle.flush()
        os.chmod(handle.name, 0o644)  # tcpdump drops root before reading
        return subprocess.run([TCPDUMP, "-n", "-r", handle.name, *args],  # type: ignore[list-item]
                              capture_output=True, text=True, env={"TZ": "UTC"}, check=False)


def _real(records: list[PcapRecord], *args: str) -> list[str]:
    return _run(records, *args).stdout.splitlines()


@settings(max_examples=60, deadline=None)
@given(st.lists(_frames(), min_size=1, max_size=12))
def test_our_lines_are_tcpdumps(frames: list[tuple[float, bytes]]) -> None:
    records = [PcapRecord.at(ts, data) for ts, data in frames]
    for link_level in (False, True):
        printer = TcpdumpPrinter(link_level)
        ours = [printer.line(r.timestamp, r.data) for r in records]
        assert ours == _real(records, *(["-e"] if link_level else []))


@settings(max_examples=40, deadline=None)
@given(st.lists(_frames(), min_size=4, max_size=12), st.sampled_from([
    "tcp", "udp", "icmp", "arp", "ip6", "port 40000", "tcp port 80 or udp", "host 10.0.0.1",
    "src host 10.0.0.2 and not tcp", "dst port 8080 or portrange 40000-40001",
    "not (icmp or arp) and greater 70", "net 10.0.0.0/31 or ip6 host ::1", "proto 253"]))
def test_our_filter_selects_what_tcpdump_selects(frames: list[tuple[float, bytes]],
                                                 expression: str) -> None:
    from nflab.packet.ethernet import parse_frame

    records = [PcapRecord.at(ts, data) for ts, data in frames]
    predicate = compile_filter(expression)
    printer = TcpdumpPrinter()
    ours = [printer.line(r.timestamp, r.data) for r in records
            if predicate(parse_frame(r.data, strict=False))]
    assert ours == _real(records, expression)


def test_filter_errors_are_libpcaps() -> None:
    for expression in ("tcp port", "port 70000", "icmp port 1", "tcp host 10.0.0.1"):
        with pytest.raises(FilterError) as info:
            compile_filter(expression)
        assert f"tcpdump: {info.value}" in _run([], expression).stderr.splitlines()
