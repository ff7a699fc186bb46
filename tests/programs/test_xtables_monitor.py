"""``xtables-monitor --trace``: nf_tables trace messages and how the monitor prints them.

The transcripts beside this file were recorded on the real kernel; the unit
tests pin the printing rules of ``trace_cb`` on constructed messages, and the
kernel's rules for what it reports (checked on the kernel with probes of the
same shape).
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from helpers import assert_transcript
from nflab.iptables.names import Names
from nflab.iptables.rule import Jump, Rule, Verdict
from nflab.netfilter.nftrace import (
    NF_QUEUE,
    NFT_BREAK,
    NFT_GOTO,
    NFT_JUMP,
    NFT_RETURN,
    NftTrace,
    TracedPacket,
)
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpFlags
from nflab.programs.xtables_monitor import packet_line, trace_lines, verdict_text
from nflab.transcript.runner import run_transcript

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", ["nft-trace-local.md", "nft-trace-forward.md", "nft-trace-bridge.md", "nft-trace-queue.md"])
def test_transcript(name: str) -> None:
    assert_transcript(HERE / name)


def _ip(proto: int = 6, **fields: object) -> IPv4:
    return IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), proto, **fields)  # type: ignore[arg-type]


def traced(packet: Packet, **fields: object) -> TracedPacket:
    values: dict = {"in_iface": "", "out_iface": "eth0", "link": None, "mac_header": b"", "mark": 0}
    values.update(fields)
    return TracedPacket(packet=packet, **values)


def test_packet_line_of_a_sent_tcp_segment() -> None:
    packet = Packet(_ip(ident=7, tos=0x10), TCP(40000, 80, flags=TcpFlags.SYN | TcpFlags.ACK | TcpFlags.PSH))
    line = packet_line(2, 0x1A2B, traced(packet, mark=0x2A))
    assert line == (
        "PACKET: 2 00001a2b OUT=eth0 SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x10 TTL=64 ID=7 DF "
        "SPORT=40000 DPORT=80 SYN ACK PSH MARK=0x2a \n"
    )


def test_packet_line_link_layers() -> None:
    packet = Packet(_ip(proto=17, dont_fragment=False), UDP(53, 5353))
    mac = bytes.fromhex("0a0b0c0d0e0f") + bytes.fromhex("020000000a01") + b"\x08\x00"
    ether = packet_line(2, 1, traced(packet, in_iface="eth0", out_iface="", link=1, mac_header=mac))
    # ether_ntoa: no leading zeros; source first
    assert "IN=eth0 MACSRC=2:0:0:0:a:1 MACDST=a:b:c:d:e:f MACPROTO=0800 SRC=" in ether
    assert ether.endswith("ID=0 SPORT=53 DPORT=5353 \n")
    loop = packet_line(2, 1, traced(packet, in_iface="lo", out_iface="", link=772))
    assert "IN=lo LOOPBACK SRC=" in loop
    # a bridged packet in POSTROUTING: a link-layer header but no input device (type 0),
    # its bytes printed through a signed char
    bridged = packet_line(2, 1, traced(packet, out_iface="br0", link=0, mac_header=mac))
    assert "OUT=br0 LL=0x0 0a0b0c0d0e0f020000000a010800 SRC=" in bridged
    high = packet_line(2, 1, traced(packet, out_iface="br0", link=0, mac_header=b"\x83\x01"))
    assert "LL=0x0 ffffff8301 SRC=" in high


def test_packet_line_fragments_and_options() -> None:
    # the option bytes go through a signed char: 0x94 (router alert) prints as FFFFFF94
    packet = Packet(_ip(proto=1, dont_fragment=False, more_fragments=True, frag_offset=185,
                        options=bytes([0x94, 0x04, 0x00, 0x00])), None, b"x" * 8)
    line = packet_line(2, 1, traced(packet))
    assert "ID=0 MF FRAG:185 OPT (FFFFFF94040000) " in line
    icmp = packet_line(2, 1, traced(Packet(_ip(proto=1), ICMP(8))))
    assert icmp.endswith("ID=0 DF \n")  # no transport fields for ICMP


def _event(**fields: object) -> NftTrace:
    values: dict = {"trace_id": 0xABCDEF01, "kind": "rule", "table": "filter", "chain": "INPUT",
                    "handle": 5, "verdict": 1}
    values.update(fields)
    return NftTrace(**values)


def test_verdict_names() -> None:
    assert verdict_text(_event(verdict=NFT_JUMP, jump_target="CHK")) == "JUMP:CHK"
    assert verdict_text(_event(verdict=NFT_GOTO, jump_target="CHK")) == "GOTO:CHK"
    assert verdict_text(_event(verdict=NFT_RETURN)) == "0xfffffffb"  # print_verdict has no RETURN
    assert verdict_text(_event(verdict=NFT_BREAK)) == "BREAK"
    assert verdict_text(_event(verdict=NF_QUEUE | 3 << 16)) == "0x30003"


def test_trace_lines() -> None:
    rule = Rule(target=Jump("CHK", goto=False))
    lines = trace_lines(_event(verdict=NFT_JUMP, jump_target="CHK", rule=rule, counters=(3, 252)),
                        Names(), counters=True)
    assert lines == [" TRACE: 2 abcdef01 filter:INPUT:rule:0x5:JUMP:CHK  -4 -t filter [3:252] -A INPUT -j CHK\n"]
    # the end of a chain: no TRACE line, only the packet when it is the walk's first message
    assert trace_lines(_event(handle=None, verdict=0xFFFFFFFF), Names()) == []
    packet = traced(Packet(_ip(), TCP(1, 2)))
    first = trace_lines(_event(handle=None, verdict=0xFFFFFFFF, packet=packet), Names())
    assert len(first) == 1 and first[0].startswith("PACKET: 2 abcdef01 OUT=eth0 ")
    policy = trace_lines(_event(kind="policy", handle=None, verdict=0, packet=packet), Names())
    assert policy == [" TRACE: 2 abcdef01 filter:INPUT:policy:DROP \n"]
    accept = trace_lines(_event(rule=Rule(target=Verdict("ACCEPT"))), Names())
    assert accept == [" TRACE: 2 abcdef01 filter:INPUT:rule:0x5:ACCEPT  -4 -t filter -A INPUT -j ACCEPT\n"]


LAB = """\
```console
lab# machines m
m# ip link set lo up
{rules}
m# xtables-monitor --trace > /tmp/t &
m# ping -c 1 -W 1 127.0.0.1
lab# sleep 0.5
m# cat /tmp/t
```
"""


def _monitor_output(tmp_path: Path, *rules: str) -> list[str]:
    path = tmp_path / "t.md"
    path.write_text(LAB.format(rules="\n".join(f"m# {r}" for r in rules)))
    run = run_transcript(path)
    assert not run.errors
    return list(run.outcomes[-1].actual)


def test_a_trace_can_start_in_the_middle_of_a_chain(tmp_path: Path) -> None:
    # real: only the TRACE rule itself and the policy; the mark set before it shows
    lines = _monitor_output(
        tmp_path,
        "iptables -A INPUT -p icmp -j MARK --set-mark 7",
        "iptables -A INPUT -p icmp -j TRACE",
        "iptables -A INPUT -p icmp --icmp-type echo-reply -j RETURN",
        "iptables -P INPUT DROP",
    )
    assert lines[0].startswith("PACKET: 2 ") and lines[0].endswith("MARK=0x7")
    assert lines[1].endswith("filter:INPUT:rule:0x3:CONTINUE  -4 -t filter -A INPUT -p icmp -j TRACE")
    assert lines[2].endswith("filter:INPUT:policy:DROP")
    assert len(lines) == 3


def test_the_trace_id_changes_when_the_packet_comes_back_in_on_lo(tmp_path: Path) -> None:
    lines = _monitor_output(tmp_path, "iptables -t mangle -A OUTPUT -p icmp -j TRACE")
    ids = [line.split()[2] for line in lines if line.startswith("PACKET:")]
    assert lines[0].split()[3] == "OUT=lo" and ids[0] != ids[1]  # OUTPUT, then INPUT on lo
    assert all(len(i) == 8 for i in ids)


def test_no_nftables_trace_rule_no_messages(tmp_path: Path) -> None:
    # the legacy TRACE target marks the packet, but nf_tables reports only while an
    # nftables rule has switched tracing on (the nft_trace_enabled static key)
    lines = _monitor_output(
        tmp_path,
        "iptables-legacy -t raw -A OUTPUT -p icmp -j TRACE",
        "iptables -A INPUT -p icmp -j ACCEPT",
    )
    assert lines == []


def test_event_mode_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("```console\nlab# machines m\nm# xtables-monitor -e\n```\n")
    run = run_transcript(path)
    assert run.errors and "xtables-monitor --event is not simulated" in run.errors[0].error
