"""``tcpdump -w`` writes a real pcap file into the machine; dpkt reads it back; ``-r`` prints it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from nflab.lab.files import Filesystem
from nflab.lab.world import World
from nflab.packet.pcap import PcapRecord
from nflab.programs.tcpdump_file import BLOCK, PcapWriter, UnreadableCapture, read_capture
from nflab.trace.flows import tcp_flag_letters
from nflab.transcript.runner import SimulatedLab


@pytest.fixture
def lab() -> Iterator[SimulatedLab]:
    lab = SimulatedLab(World())
    lab.add_machine("a")
    lab.add_machine("b")
    lab.connect("a", "eth0", "b", "eth0")
    for line in ("a# ip addr add 10.0.0.1/24 dev eth0", "a# ip link set eth0 up",
                 "b# ip addr add 10.0.0.2/24 dev eth0", "b# ip link set eth0 up",
                 "b# test-iptables-server 1234 &"):
        machine, _, text = line.partition("# ")
        assert lab.run(machine, text)[1] == 0
    yield lab
    lab.world.shutdown()


def test_a_lab_written_capture_read_back_with_dpkt(lab: SimulatedLab) -> None:
    dpkt = pytest.importorskip("dpkt", reason="dpkt is not installed (pip install dpkt)")
    assert lab.run("a", "tcpdump -n -i eth0 -w /tmp/c.pcap tcp > /tmp/err.txt 2>&1 &")[1] == 0
    lab.start_trace()
    out, status = lab.run("a", "nc 10.0.0.2 1234")
    recorded = lab._trace[0].stop() if lab._trace else None
    lab._trace = None
    assert status == 0 and "dest{ip: 10.0.0.2, port: 1234}" in out
    lab.world.shutdown()  # the capture ends with the lab: what stdio held reaches the file
    data = lab.world.machine("a").fs.read_bytes("/tmp/c.pcap")
    reader = dpkt.pcap.Reader(io.BytesIO(data))
    assert reader.datalink() == dpkt.pcap.DLT_EN10MB and reader.snaplen == 262144
    seen = []
    for _, buf in reader:
        ip = dpkt.ethernet.Ethernet(buf).data
        tcp = ip.data
        seen.append((dpkt.utils.inet_to_str(ip.src), tcp.sport, dpkt.utils.inet_to_str(ip.dst),
                     tcp.dport, tcp_flag_letters(tcp.flags)))
    # the same packets the trace saw cross a's eth0, in the same order
    assert recorded is not None
    crossed = []
    for hop in recorded.hops:
        if hop.machine == "a" and ((hop.fate and hop.fate.reason == "eth0") or hop.in_iface == "eth0"):
            p = hop.packet if hop.in_iface != "eth0" else hop.first
            if p.tcp is not None:
                crossed.append((str(p.ip.src), p.tcp.sport, str(p.ip.dst), p.tcp.dport,
                                tcp_flag_letters(p.tcp.flags)))
    assert seen == crossed and len(seen) >= 8
    assert seen[0][4] == "S" and seen[1][4] == "S."
    err = lab.world.machine("a").fs.read("/tmp/err.txt")
    assert err.startswith("tcpdump: listening on eth0, link-type EN10MB (Ethernet)")


def test_the_file_is_empty_until_the_capture_ends_then_r_prints_it(lab: SimulatedLab) -> None:
    lab.run("a", "tcpdump -n -i eth0 -c 3 -w cap.pcap icmp 2> /dev/null &")
    assert lab.run("a", "wc -c cap.pcap") == ("0 cap.pcap\n", 0)  # stdio still holds it
    lab.run("a", "ping -c 2 -W 1 10.0.0.2")
    lab.world.sleep(0.5)
    out, status = lab.run("a", "tcpdump -n -r cap.pcap")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "reading from file cap.pcap, link-type EN10MB (Ethernet), snapshot length 262144"
    assert len(lines) == 4 and "ICMP echo request" in lines[1] and "ICMP echo reply" in lines[2]
    out, _ = lab.run("a", "tcpdump -n -r cap.pcap -c 1 src 10.0.0.2 2>/dev/null")
    assert out.count("\n") == 1 and "IP 10.0.0.2 > 10.0.0.1: ICMP echo reply" in out


def test_packet_buffered_writes_each_packet_at_once(lab: SimulatedLab) -> None:
    lab.run("a", "tcpdump -U -n -i eth0 -w /tmp/u.pcap icmp 2> /dev/null &")
    assert lab.run("a", "wc -c /tmp/u.pcap") == ("24 /tmp/u.pcap\n", 0)  # the header, at once
    lab.run("a", "ping -c 1 -W 1 10.0.0.2")
    size = int(lab.run("a", "wc -c < /tmp/u.pcap")[0])
    assert size == 24 + 2 * (16 + 98)


def test_errors(lab: SimulatedLab) -> None:
    assert lab.run("a", "tcpdump -n -i eth0 -w /nonexistent/x.pcap") == (
        "tcpdump: /nonexistent/x.pcap: No such file or directory\n", 1)
    assert lab.run("a", "tcpdump -r nope.pcap") == (
        "tcpdump: nope.pcap: No such file or directory\n", 1)
    lab.run("a", "echo garbage > g.pcap")
    assert lab.run("a", "tcpdump -r g.pcap") == ("tcpdump: unknown file format\n", 1)


def test_stdio_blocks() -> None:
    fs = Filesystem()
    fs.mkdir("/tmp")
    writer = PcapWriter(fs, "/tmp/x", packet_buffered=False)
    assert fs.read_bytes("/tmp/x") == b""
    record = PcapRecord(1, 2, bytes(range(256)) * 4, 1024)
    for _ in range(4):
        writer.add(record)  # 24 + 4 * 1040 bytes: one whole block reaches the file
    assert len(fs.read_bytes("/tmp/x")) == BLOCK
    writer.flush()
    data = fs.read_bytes("/tmp/x")
    assert len(data) == 24 + 4 * 1040
    capture = read_capture(data)
    assert capture.problem is None and [r.data for r in capture.records] == [record.data] * 4
    assert read_capture(data[:-10]).problem == (
        "pcap_loop: truncated dump file; tried to read 1024 captured bytes, only got 1014")
    with pytest.raises(UnreadableCapture, match="tried to read 24 file header bytes, only got 6"):
        read_capture(data[:10])
    with pytest.raises(UnreadableCapture, match="tried to read 4 file header bytes, only got 0"):
        read_capture(b"")
