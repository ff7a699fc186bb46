"""pcap files: what we write reads back, matches tcpdump's own files, and dpkt reads it."""

from __future__ import annotations

import io
import struct
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from nflab.packet.arp import Arp
from nflab.packet.capture import Capture, listening_banner, summary_lines
from nflab.packet.ethernet import BROADCAST, Frame, emit_frame, parse_frame
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet
from nflab.packet.pcap import PcapRecord, decode_pcap, encode_pcap, file_header, split_time

DATA = Path(__file__).parent / "data"
A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
T0 = 1_700_000_000.0


def _frames() -> list[Frame]:
    return [
        Frame.of(BROADCAST, MAC_A, Arp.request(MAC_A, A, B)),
        Frame.of(MAC_A, MAC_B, Arp.reply(MAC_B, B, MAC_A, A)),
        Frame.of(MAC_B, MAC_A, Packet(IPv4(A, B, 1), ICMP(8, 0, 7, 1), bytes(56))),
        Frame.of(MAC_B, MAC_A, Packet(IPv4(A, B, 6), TCP(40000, 80, 1, 0, 2))),
        Frame.of(MAC_B, MAC_A, Packet(IPv4(A, B, 17), UDP(40000, 53), b"q" * 30)),
    ]


def test_written_records_read_back() -> None:
    times = [T0 + i * 0.25 + 0.0000004 for i in range(5)]
    records = [PcapRecord.at(t, emit_frame(f)) for t, f in zip(times, _frames(), strict=True)]
    data = encode_pcap(records)
    assert data[:24] == struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    decoded = decode_pcap(data)
    assert decoded.linktype == 1 and decoded.snaplen == 262144
    assert decoded.records == tuple(records)
    assert [parse_frame(r.data) for r in decoded.records] == _frames()
    assert [r.timestamp for r in decoded.records] == [T0 + i * 0.25 for i in range(5)]
    assert decoded.records[1].seconds == 1_700_000_000 and decoded.records[1].micros == 250000


def test_snapshot_length_cuts_the_data_not_the_length() -> None:
    frame = emit_frame(_frames()[2])
    record = PcapRecord.at(T0, frame, snaplen=40)
    assert len(record.data) == 40 and record.orig_len == 98
    assert decode_pcap(encode_pcap([record], snaplen=40)).records == (record,)


def test_tcpdumps_files_decode_and_encode_back_byte_for_byte() -> None:
    for name in ("lo", "lo6", "route"):
        raw = (DATA / f"{name}.pcap").read_bytes()
        pcap = decode_pcap(raw)
        assert pcap.records and encode_pcap(pcap.records, pcap.snaplen) == raw


def test_big_endian_and_nanosecond_files() -> None:
    body = b"\x01" * 20
    big = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    big += struct.pack(">IIII", 1_700_000_000, 123456, 20, 60) + body
    (record,) = decode_pcap(big).records
    assert (record.seconds, record.micros, record.data, record.orig_len) == (
        1_700_000_000, 123456, body, 60)
    nano = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1)
    nano += struct.pack("<IIII", 5, 123456789, 20, 20) + body
    assert decode_pcap(nano).records[0].micros == 123456


@pytest.mark.parametrize(("data", "message"), [
    (b"\0" * 10, "pcap: truncated file header: 10 bytes, need 24"),
    (b"\x0a\x0d\x0d\x0a" + bytes(20), "pcap: bad magic number 0x0a0d0d0a"),
    (file_header() + bytes(8), "pcap: truncated record header at byte 24"),
    (file_header() + struct.pack("<IIII", 0, 0, 50, 50) + bytes(10),
     "pcap: record at byte 24 says 50 bytes, 10 left"),
    (struct.pack("<IHHiIII", 0xA1B2C3D4, 1, 0, 0, 0, 1, 1), "pcap: version 1.0, not 2.4"),
])
def test_broken_files(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        decode_pcap(data)


def test_split_time() -> None:
    assert split_time(T0 + 0.0000015) == (1_700_000_000, 2)
    assert split_time(T0 + 0.9999999) == (1_700_000_001, 0)


def test_a_standard_reader_parses_our_files() -> None:
    dpkt = pytest.importorskip("dpkt", reason="dpkt is not installed (pip install dpkt)")
    records = [PcapRecord.at(T0 + i, emit_frame(f)) for i, f in enumerate(_frames())]
    reader = dpkt.pcap.Reader(io.BytesIO(encode_pcap(records)))
    assert reader.datalink() == dpkt.pcap.DLT_EN10MB
    read = list(reader)
    assert [data for _, data in read] == [r.data for r in records]
    assert [ts for ts, _ in read] == pytest.approx([T0 + i for i in range(5)])
    eth = dpkt.ethernet.Ethernet(read[3][1])
    assert isinstance(eth.data, dpkt.ip.IP) and isinstance(eth.data.data, dpkt.tcp.TCP)
    assert (eth.data.data.sport, eth.data.data.dport) == (40000, 80)
    udp = dpkt.ethernet.Ethernet(read[4][1]).data
    # dpkt recomputes checksums when asked to serialise: ours must already be those
    assert bytes(udp) == read[4][1][14:]
    arp = dpkt.ethernet.Ethernet(read[0][1]).data
    assert arp.op == dpkt.arp.ARP_OP_REQUEST and arp.tpa == B.packed


def test_capture_filters_counts_and_writes() -> None:
    capture = Capture.start("icmp or arp", count=3)
    lines = [capture.offer(T0 + i, frame) for i, frame in enumerate(_frames())]
    assert lines[3:] == [None, None] and capture.done and capture.captured == 3
    assert capture.lines == [line for line in lines if line is not None]
    assert capture.lines[2].endswith("ICMP echo request, id 7, seq 1, length 64")
    writer = Capture.start("tcp or udp", write=True)
    for i, frame in enumerate(_frames()):
        assert writer.offer(T0 + i, frame) is None
    records = decode_pcap(writer.pcap_bytes()).records
    assert [parse_frame(r.data) for r in records] == _frames()[3:]
    assert listening_banner("lo")[1] == (
        "listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes")
    assert summary_lines(1, 4) == ["1 packet captured", "4 packets received by filter",
                                   "0 packets dropped by kernel"]
