"""``nflab trace --pcap``: a capture through a rule set, with conntrack: hits and verdicts."""

from __future__ import annotations

import json
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from nflab.cli.main import main
from nflab.lab.world import World
from nflab.packet.arp import Arp
from nflab.packet.ethernet import BROADCAST, Frame, emit_frame
from nflab.packet.headers import IPPROTO_TCP, IPPROTO_UDP, TCP, UDP, IPv4, Packet, TcpFlags
from nflab.packet.pcap import PcapRecord, encode_pcap
from nflab.transcript.runner import SimulatedLab

RULES = """\
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i eth0 -p tcp -m tcp --dport 80 -j ACCEPT
-A FORWARD -p udp -j LOG
COMMIT
"""
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def tcp(src: str, sport: int, dst: str, dport: int, flags: int) -> Packet:
    return Packet(IPv4(IPv4Address(src), IPv4Address(dst), IPPROTO_TCP),
                  TCP(sport, dport, seq=1, flags=flags))


def capture_file(tmp_path: Path) -> Path:
    frames: list[Packet | Arp] = [
        tcp("192.168.1.5", 40000, "10.0.0.9", 80, TcpFlags.SYN),
        tcp("10.0.0.9", 80, "192.168.1.5", 40000, TcpFlags.SYN | TcpFlags.ACK),
        tcp("192.168.1.5", 40000, "10.0.0.9", 80, TcpFlags.ACK),
        Packet(IPv4(IPv4Address("192.168.1.5"), IPv4Address("10.0.0.9"), IPPROTO_UDP),
               UDP(5000, 53), b"x"),
        Arp.request(MAC_A, IPv4Address("192.168.1.5"), IPv4Address("192.168.1.1")),
    ]
    records = [PcapRecord.at(1000.0 + n * 0.01, emit_frame(Frame.of(MAC_B if n else BROADCAST,
                                                                     MAC_A, payload)))
               for n, payload in enumerate(frames)]
    path = tmp_path / "c.pcap"
    path.write_bytes(encode_pcap(records))
    return path


def replay(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    rules = tmp_path / "rules.v4"
    rules.write_text(RULES)
    status = main(["trace", "--ruleset", str(rules), "--interfaces",
                   "eth0=192.168.1.1/24,eth1=10.0.0.1/24", *extra])
    got = capsys.readouterr()
    return status, got.out, got.err


def test_hits_and_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = replay(tmp_path, capsys, "--pcap", str(capture_file(tmp_path)))
    assert status == 0, err
    assert out.splitlines() == [
        f"replayed {tmp_path / 'c.pcap'}: 5 frames, 4 IPv4 packets (1 not replayed: 1 arp)",
        "",
        "verdicts:",
        "  3 forwarded",
        "  1 dropped in filter FORWARD",
        "",
        "rule hits (packets bytes rule):",
        "  *filter",
        "  1 29  -P FORWARD DROP",
        "  2 80  -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT",
        "  1 40  -A FORWARD -i eth0 -p tcp -m tcp --dport 80 -j ACCEPT",
        "  1 29  -A FORWARD -p udp -j LOG",
    ]


def test_json_and_forced_interface(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = replay(tmp_path, capsys, "--json", "--in", "eth1",
                           "--pcap", str(capture_file(tmp_path)))
    assert status == 0
    data = json.loads(out)
    assert data["schema"] == "nflab-replay/1" and data["skipped"] == {"arp": 1}
    hits = {(r["chain"], r["rule"]): r["packets"] for r in data["rules"]}
    # everything arrives on eth1: the SYN no longer matches `-i eth0`
    assert hits[("FORWARD", 2)] == 0 and hits[("FORWARD", None)] == 4


def test_bad_captures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"not a capture at all, really")
    status, out, err = replay(tmp_path, capsys, "--pcap", str(bad))
    assert (status, out) == (2, "")
    assert err == f"nflab trace: --pcap {bad}: pcap: bad magic number 0x6e6f7420\n"
    status, _, err = replay(tmp_path, capsys, "--pcap", str(tmp_path / "none.pcap"))
    assert err.endswith("No such file or directory\n") and status == 2
    status, _, err = replay(tmp_path, capsys, "--in", "eth7", "--pcap",
                            str(capture_file(tmp_path)))
    assert err == "nflab trace: --in eth7: no such interface (known: eth0, eth1)\n"


def test_a_lab_written_capture_replays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lab = SimulatedLab(World())
    try:
        lab.add_machine("a")
        lab.add_machine("b")
        lab.connect("a", "eth0", "b", "eth0")
        for machine, text in (("a", "ip addr add 192.168.1.5/24 dev eth0"),
                              ("a", "ip link set eth0 up"),
                              ("b", "ip addr add 192.168.1.1/24 dev eth0"),
                              ("b", "ip link set eth0 up"),
                              ("b", "tcpdump -n -i eth0 -w /tmp/c.pcap icmp 2>/dev/null &"),
                              ("a", "ping -c 2 -W 1 192.168.1.1")):
            lab.run(machine, text)
        lab.world.sleep(1)
    finally:
        lab.world.shutdown()  # tcpdump is killed: what stdio held reaches the file
    data = lab.world.machine("b").fs.read_bytes("/tmp/c.pcap")
    path = tmp_path / "lab.pcap"
    path.write_bytes(data)
    status, out, _ = replay(tmp_path, capsys, "--pcap", str(path))
    assert status == 0
    # the requests come to the machine (they are for 192.168.1.1), its own replies leave it
    assert "4 frames, 4 IPv4 packets\n" in out
    assert "  2 delivered" in out and "  2 sent" in out
    assert "  2 168  -P INPUT ACCEPT" in out and "  2 168  -P OUTPUT ACCEPT" in out
