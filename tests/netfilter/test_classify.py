"""The chain classifier must never change a verdict: every packet gets the rule the
linear walk gives it (a tracer forces the linear walk), on random rules written as
iptables commands and on the ClassBench sets."""

from __future__ import annotations

import importlib.util
import random
from ipaddress import IPv4Address

import pytest

from helpers import Shell
from nflab.netfilter.classify import MIN_RULES, ChainIndex, packet_key
from nflab.netfilter.engine import Step, compiled_rules, run_chain
from nflab.netfilter.skb import Env, Skb
from nflab.netfilter.tables import Table
from nflab.packet.headers import ICMP, TCP, UDP, IPv4, Packet
from shared import shared_path

ADDRESSES = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "192.0.2.0/25", "0.0.0.0/0",
             "10.0.0.0/255.0.255.0"]  # fmt: skip


def random_rule(rng: random.Random) -> str:
    words = []
    for flag in ("-s", "-d"):
        if rng.random() < 0.7:
            words += (["!"] if rng.random() < 0.2 else []) + [flag, rng.choice(ADDRESSES)]
    if rng.random() < 0.15:
        words += (["!"] if rng.random() < 0.3 else []) + ["-i", rng.choice(["eth0", "eth+", "lo"])]
    proto = rng.choice(["", "tcp", "udp", "icmp", "tcp", "udp"])
    if proto:
        words += (["!"] if rng.random() < 0.1 and proto == "icmp" else []) + ["-p", proto]
    if proto in ("tcp", "udp") and "!" not in words[-3:]:
        for opt in ("--sport", "--dport"):
            if rng.random() < 0.5:
                lo = rng.choice([0, 53, 80, 1024, 8000])
                ports = str(lo) if rng.random() < 0.5 else f"{lo}:{lo + rng.choice([0, 10, 1000])}"
                words += (["!"] if rng.random() < 0.15 else []) + [opt, ports]
        if proto == "tcp" and rng.random() < 0.1:
            words += ["--syn"]
    if rng.random() < 0.05:
        words += ["-m", "statistic", "--mode", "nth", "--every", "3", "--packet", "0"]  # a match with state
    return " ".join(words + ["-j", rng.choice(["ACCEPT", "DROP", "RETURN"])])


def random_packet(rng: random.Random) -> Packet:
    def addr() -> IPv4Address:
        return IPv4Address(rng.choice([0x0A000000, 0x0A010000, 0x0A010200, 0xC0000200]) + rng.randrange(512))

    ip = IPv4(addr(), addr(), rng.choice([6, 17, 1, 47]))
    port = rng.choice([53, 80, 81, 1024, 1500, 8005, 40000])
    if ip.proto == 6:
        return Packet(ip, TCP(port, rng.choice([80, 53, 8010, 2000]), flags=rng.choice([2, 16, 18])))
    if ip.proto == 17:
        return Packet(ip, UDP(rng.choice([53, 80, 9000]), port))
    return Packet(ip, ICMP(8) if ip.proto == 1 else None)


def outcomes(table: Table, packets: list[Packet], in_iface: str, linear: bool) -> list[tuple[str, int]]:
    """Verdict and matched rule (by counter change) of each packet."""
    chain = table.chains["INPUT"]
    results = []
    trace = (lambda step: None) if linear else None
    env = Env()  # one namespace: rule state (the nth counters) carries over
    for packet in packets:
        before = [c.packets for c in chain.counters]
        verdict = run_chain(table, "INPUT", Skb(packet, in_iface=in_iface), env, trace)
        hit = next((i for i, c in enumerate(chain.counters) if c.packets != before[i]), -1)
        results.append((verdict.value, hit))
    return results


def random_table(seed: int) -> Table:
    rng = random.Random(seed)
    sh = Shell()
    for _ in range(MIN_RULES * 3):
        sh.ok(f"iptables-legacy -A INPUT {random_rule(rng)}")  # legacy: ! -s 0/0 is allowed
    return sh.host.netfilter.legacy.view("filter")


@pytest.mark.parametrize("seed", range(6))
def test_random_rules_get_the_same_verdicts(seed: int) -> None:
    rng = random.Random(1000 + seed)
    packets = [random_packet(rng) for _ in range(400)]
    for iface in ("eth0", "lo"):
        indexed, walked = random_table(seed), random_table(seed)
        assert outcomes(indexed, packets, iface, linear=False) == outcomes(walked, packets, iface, linear=True)


def test_candidates_are_a_superset_and_fragments_are_walked() -> None:
    sh = Shell()
    for i in range(MIN_RULES):
        sh.ok(f"iptables -A INPUT -s 10.0.{i}.0/24 -p tcp --dport {1000 + i} -j DROP")
    chain = sh.host.netfilter.nft.view("filter").chains["INPUT"]
    index = ChainIndex(compiled_rules(chain))
    syn = Packet(IPv4(IPv4Address("10.0.7.9"), IPv4Address("10.9.9.9"), 6), TCP(5, 1007))
    key = packet_key(syn)
    assert key is not None and index.candidates(key) == 1 << 7
    assert packet_key(Packet(IPv4(syn.ip.src, syn.ip.dst, 6, frag_offset=1))) is None
    assert packet_key(Packet(IPv4(syn.ip.src, syn.ip.dst, 6))) is None  # no TCP header


def _load_cb2ipt():  # type: ignore[no-untyped-def]
    path = shared_path("bench-data", "classbench", "cb2ipt.py")
    spec = importlib.util.spec_from_file_location("cb2ipt", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.conv, path.parent


def test_classbench_first_matches_agree_with_the_linear_walk() -> None:
    conv, folder = _load_cb2ipt()
    sh = Shell()
    sh.ok("iptables-restore", stdin=conv(str(folder / "fw1_1k")))
    table = sh.host.netfilter.nft.view("filter")
    chain = table.chains["CB"]
    packets = []
    for line in (folder / "fw1_1k_trace").read_text().splitlines()[::7]:
        src, dst, sport, dport, proto = (int(x) for x in line.split()[:5])
        ip = IPv4(IPv4Address(src), IPv4Address(dst), proto)
        l4 = TCP(sport, dport) if proto == 6 else UDP(sport, dport) if proto == 17 else None
        packets.append(Packet(ip, l4))

    def first_rule(packet: Packet, linear: bool) -> int:
        steps: list[Step] = []
        before = [c.packets for c in chain.counters]
        run_chain(table, "OUTPUT", Skb(packet, out_iface="eth0"), Env(), steps.append if linear else None)
        return next(i for i, c in enumerate(chain.counters) if c.packets != before[i])

    assert [first_rule(p, False) for p in packets] == [first_rule(p, True) for p in packets]
