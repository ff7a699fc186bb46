"""``nflab trace``: a machine from a dump and addresses, PACKET traced through it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from nflab.cli.main import main
from shared import shared_path

RULES = """\
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.10:8080
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:SSH - [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j SSH
-A SSH -s 192.0.2.0/24 -j ACCEPT
-A FORWARD -d 192.168.1.10/32 -p tcp -m tcp --dport 8080 -j ACCEPT
COMMIT
"""
IFACES = "eth0=203.0.113.1/24,eth1=192.168.1.1/24"


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "rules.v4"
    path.write_text(RULES)
    return path


def trace(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["trace", *argv])
    got = capsys.readouterr()
    return status, got.out, got.err


def test_a_packet_through_a_user_chain_to_input(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = trace(capsys, "--ruleset", str(dump), "--interfaces", IFACES,
                             "--route", "default via 203.0.113.254",
                             "tcp 192.0.2.7:40000 > 203.0.113.1:22 in eth0 syn")
    assert status == 0 and err == ""
    assert "INPUT #2 match: -A INPUT -p tcp -m tcp --dport 22 -j SSH" in out
    assert "SSH #1 match: -A SSH -s 192.0.2.0/24 -j ACCEPT -> ACCEPT" in out
    assert "conntrack: NEW, new entry 1: src=192.0.2.7 dst=203.0.113.1 sport=40000 dport=22" in out
    # nothing listens on port 22 of this machine: the kernel answers with a reset
    assert "nothing listens on 203.0.113.1:22 (tcp) at fw: the kernel answered with a RST" in out


def test_unquoted_words_with_to(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = trace(capsys, "--ruleset", str(dump), "--interfaces", IFACES, "--brief",
                           "tcp", "198.51.100.9:40000", "to", "203.0.113.1:22", "in", "eth0")
    assert status == 0
    assert "dropped by the policy DROP of filter INPUT (no rule accepted it first)" in out


def test_dnat_forwarded_with_its_diagram(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = trace(capsys, "--ruleset", str(dump), "--interfaces", IFACES,
                           "tcp 198.51.100.9:40000 > 203.0.113.1:80 in eth0")
    assert status == 0
    assert "connection 1: tcp 198.51.100.9:40000 > 203.0.113.1:80 (fw:eth0 -> fw:eth1)" in out
    assert "NAT (DNAT) at fw nat PREROUTING: -A PREROUTING -i eth0 -p tcp -m tcp --dport 80 " \
        "-j DNAT --to-destination 192.168.1.10:8080" in out
    assert "|dip: 192.168.1.10, dport: 8080 |" in out
    assert "routing: ttl 64 -> 63" in out
    assert "-> forwarded through eth1" in out


def test_json_schema(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = trace(capsys, "--ruleset", str(dump), "--interfaces", IFACES, "--json",
                           "tcp 198.51.100.9:40000 > 203.0.113.1:80 in eth0")
    assert status == 0
    data = json.loads(out)
    assert data["schema"] == "nflab-trace/1"
    [packet] = data["packets"]
    assert packet["fate"] == "forwarded" and packet["packet"]["tcp_flags"] == ["SYN"]
    pre = packet["hops"][0]["hooks"][0]
    assert pre["hook"] == "PREROUTING" and pre["conntrack"]["after"]["state"] == "NEW"
    nat = next(t for t in pre["tables"] if t["table"] == "nat")
    assert nat["decided_by"] == {
        "table": "nat", "chain": "PREROUTING", "rule": 1, "event": "target", "verdict": "ACCEPT",
        "target": "DNAT", "text": "-A PREROUTING -i eth0 -p tcp -m tcp --dport 80 -j DNAT "
        "--to-destination 192.168.1.10:8080"}
    assert pre["rewrites"] == [{"field": "dst", "from": "203.0.113.1", "to": "192.168.1.10"},
                               {"field": "dport", "from": "80", "to": "8080"}]
    assert pre["nat"]["reply"] == {"proto": "tcp", "src": "192.168.1.10", "dst": "198.51.100.9",
                                   "sport": 8080, "dport": 40000}
    [conn] = data["connections"]
    assert [s["target"] for s in conn["request"]["nat_steps"]] == ["DNAT"]


def test_established_state(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--ruleset", str(dump), "--interfaces", IFACES, "--brief"]
    _, out, _ = trace(capsys, *args, "tcp 198.51.100.9:443 > 203.0.113.1:50000 in eth0 ack")
    assert "dropped by the policy DROP of filter INPUT" in out  # a lone ACK: NEW, no rule
    _, out, _ = trace(capsys, *args,
                      "tcp 198.51.100.9:443 > 203.0.113.1:50000 in eth0 ack established")
    assert "dropped" not in out


def test_local_packets_and_forwarding_off(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--ruleset", str(dump), "--interfaces", IFACES]
    _, out, _ = trace(capsys, *args, "udp 192.168.1.1:5000 > 192.168.1.10:53")
    assert "sent by a local socket" in out and "-> sent through eth1" in out
    _, out, _ = trace(capsys, *args, "--sysctl", "net.ipv4.ip_forward=0", "--brief",
                      "tcp 198.51.100.9:40000 > 192.168.1.10:8080 in eth0")
    assert "does not forward: sysctl -w net.ipv4.ip_forward=1" in out


@pytest.mark.parametrize("argv, message", [
    (["tcp 1.1.1.1:1 > 2.2.2.2:2 in eth0 bogus"],
     "nflab trace: PACKET: unknown word (expected in IFACE, "),
    (["tcp 1.1.1.1:1 > 2.2.2.2:2 in eth9"],
     "nflab trace: packet: in eth9: no such interface (known: eth0, eth1)"),
    ([], "nflab trace: no PACKET given"),
    (["--route", "10.9.0.0/16 via 172.16.0.1", "tcp 1.1.1.1:1 > 2.2.2.2:2"],
     "nflab trace: --route: `10.9.0.0/16 via 172.16.0.1`: Error: Nexthop has invalid gateway."),
    (["--sysctl", "net.ipv4.nonsense=1", "tcp 1.1.1.1:1 > 2.2.2.2:2"],
     "nflab trace: --sysctl: `net.ipv4.nonsense=1`: expected NAME=VALUE"),
    (["--pcap", "x.pcap", "tcp 1.1.1.1:1 > 2.2.2.2:2"], "nflab trace: give PACKET or --pcap"),
])  # fmt: skip
def test_mistakes_are_one_line(dump: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                               message: str) -> None:
    status, out, err = trace(capsys, "--ruleset", str(dump), "--interfaces", IFACES, *argv)
    assert status == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1, err


def test_set_up_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packet = "tcp 1.1.1.1:1 > 2.2.2.2:2"
    status, _, err = trace(capsys, "--ruleset", str(tmp_path / "none"), "--interfaces", "e=1.1.1.1/8", packet)
    assert (status, err) == (2, f"nflab trace: --ruleset {tmp_path / 'none'}: No such file or directory\n")
    status, _, err = trace(capsys, "--interfaces", "eth0=10.0.0.300/24", packet)
    assert (status, err) == (2, "nflab trace: --interfaces: `eth0=10.0.0.300/24`: not an IPv4 "
                                "address/prefix\n")
    bad = tmp_path / "bad.v4"
    bad.write_text("*filter\n-A INPUT -j NOPE\nCOMMIT\n")
    status, _, err = trace(capsys, "--ruleset", str(bad), "--interfaces", "eth0", packet)
    assert status == 2 and err.startswith(f"nflab trace: --ruleset {bad}: ") and err.count("\n") == 1


def test_a_real_5000_rule_dump_loads_and_traces_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    dump = shared_path("rulesets", "realworld",
                       "TUM_Net_Firewall__iptables-save-2015-05-15_15-23-41_cheating.macfixed")
    start = time.process_time()
    status, out, err = trace(capsys, "--ruleset", str(dump), "--interfaces",
                             "eth0=10.0.0.1/24,eth1.110=131.159.252.1/24,eth1.96=131.159.14.1/25",
                             "tcp 192.0.2.1:40000 > 131.159.14.26:22 in eth1.110 syn")
    spent = time.process_time() - start
    assert status == 0, err
    assert "FORWARD #14 match: -A FORWARD -d 131.159.14.26/32 -i eth1.110 -p tcp -m tcp " \
        "--dport 22 -j ACCEPT -> ACCEPT" in out
    assert "-> forwarded through eth1.96" in out
    assert spent < 2.0  # CPU seconds, generous for a loaded test machine (bench: ~0.5 s)


def test_json_keys_are_the_documented_ones(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/trace-schema.md lists these keys; every one is always present."""
    _, out, _ = trace(capsys, "--ruleset", str(dump), "--interfaces", IFACES, "--json",
                      "tcp 198.51.100.9:40000 > 203.0.113.1:80 in eth0")
    data = json.loads(out)
    packet = data["packets"][0]
    hop = packet["hops"][0]
    hook = hop["hooks"][0]
    step = hook["tables"][0]["steps"][0]
    conn = data["connections"][0]
    assert set(data) == {"schema", "packets", "connections"}
    assert set(packet) == {"id", "summary", "packet", "hops", "fate", "where", "explanation",
                           "connection", "direction", "answers"}
    assert set(packet["packet"]) == {"proto", "src", "dst", "sport", "dport", "tcp_flags",
                                     "icmp_type", "icmp_code", "icmp_id", "ttl", "tos", "length",
                                     "payload_length", "quoted"}
    assert set(hop) == {"hop", "machine", "time", "origin", "in", "hooks", "routing_rewrites",
                        "fate", "device", "explanation"}
    assert set(hook) == {"hook", "in", "out", "verdict", "tables", "conntrack", "nat", "rewrites",
                         "rewritten_by", "mark"}
    assert set(hook["tables"][0]) == {"table", "hook", "verdict", "decided_by", "steps"}
    assert set(step) == {"table", "chain", "rule", "event", "verdict", "target", "text"}
    assert set(hook["conntrack"]["after"]) == {"state", "entry", "direction", "tcp_state",
                                               "status", "original", "reply"}
    assert set(hook["nat"]) == {"manip", "target", "rule", "original", "reply"}
    assert set(conn) == {"id", "flow", "client", "server", "request", "reply", "packets"}
    assert set(conn["request"]) == {"packet", "start", "end", "fate", "explanation", "legs",
                                    "nat_steps"}
    assert set(conn["request"]["nat_steps"][0]) == {"machine", "hook", "target", "rule", "changed"}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "trace-schema.md").read_text()
    for key in ("routing_rewrites", "rewritten_by", "decided_by", "nat_steps", "payload_length"):
        assert f"`{key}`" in doc


def test_invalid_and_colour(dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--ruleset", str(dump), "--interfaces", IFACES]
    _, out, _ = trace(capsys, *args, "--brief",
                      "tcp 198.51.100.9:80 > 203.0.113.1:50000 in eth0 syn,ack")
    assert "conntrack found it INVALID (no connection it could belong to)" in out
    _, plain, _ = trace(capsys, *args, "--color", "never", "tcp 1.1.1.1:1 > 203.0.113.1:22 in eth0")
    _, coloured, _ = trace(capsys, *args, "--color", "always",
                           "tcp 1.1.1.1:1 > 203.0.113.1:22 in eth0")
    assert "\x1b[" not in plain and "\x1b[1;31mDROP\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
