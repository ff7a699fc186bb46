"""Traces of real lab traffic: hops, rules, conntrack, NAT paths, and why packets died."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest

from nflab.trace.report import Connection, Path, Report
from trace_bench import Bench


@pytest.fixture
def bench() -> Iterator[Bench]:
    b = Bench()
    yield b
    b.close()


def flows(path: Path | None) -> list[tuple[str, int, str, int]]:
    assert path is not None
    return [(str(leg.flow.src), leg.flow.sport, str(leg.flow.dst), leg.flow.dport)
            for leg in path.legs]


def only_connection(report: Report) -> Connection:
    assert len(report.connections) == 1
    return report.connections[0]


def test_redirect_path_and_the_rule_that_made_it(bench: Bench) -> None:
    bench.script("""
vm# test-iptables-server 1234 &
vm# iptables -t nat -I PREROUTING -p tcp --dport 12345 -j REDIRECT --to-ports 1234
""")
    report, output, status = bench.trace("host", "nc 192.168.57.3 12345")
    assert status == 0 and "original dest{ip: 192.168.57.3, port: 12345}" in output
    conn = only_connection(report)
    assert (conn.client, conn.server) == ("host", "vm")
    sport = conn.flow.sport
    assert flows(conn.request) == [("192.168.57.1", sport, "192.168.57.3", 12345),
                                   ("192.168.57.1", sport, "192.168.57.3", 1234)]
    [step] = conn.request.steps
    assert (step.machine, step.hook, step.target) == ("vm", "PREROUTING", "REDIRECT")
    assert step.rule == "-A PREROUTING -p tcp -m tcp --dport 12345 -j REDIRECT --to-ports 1234"
    assert step.changed == ("dport",)
    assert conn.reply is not None and conn.reply.fate == "delivered"
    # the reply, from the server back to the client, is translated back by conntrack
    assert flows(conn.reply) == [("192.168.57.3", 1234, "192.168.57.1", sport),
                                 ("192.168.57.3", 12345, "192.168.57.1", sport)]
    assert conn.reply.steps[0].target == "REDIRECT" and conn.reply.steps[0].rule == ""
    # the first packet's hook at vm: NEW, the nat rule matched, the binding made
    first = report.packets[0]
    vm_hop = first.hops[1]
    pre = vm_hop.hooks[0]
    assert pre.hook == "PREROUTING" and pre.ct_after is not None and pre.ct_after.state == "NEW"
    [walk] = [w for w in pre.tables if w.table == "nat"]
    assert walk.decided_by is not None and walk.decided_by.rulenum == 1
    assert walk.decided_by.event == "target" and walk.decided_by.verdict == "ACCEPT"
    assert pre.nat is not None and pre.nat.manip == "destination"
    assert pre.nat.reply.sport == 1234
    assert [(c.field, c.old, c.new) for c in pre.changes] == [("dport", "12345", "1234")]
    # later packets of the connection do not see the nat table at all
    later = [p for p in report.packets[2:] if p.connection == 1 and p.direction == "original"]
    assert later and all(not h.hooks[0].tables for p in later for h in p.hops if h.machine == "vm")


def test_three_nat_steps_both_ways(bench: Bench) -> None:
    bench.script("""
vm# iptables -t nat -I PREROUTING -p tcp --dport 12347 -j DNAT --to-destination 203.0.113.35:80
vm# sysctl -w net.ipv4.ip_forward=1
vm# iptables -t nat -I POSTROUTING -p tcp -s 192.168.57.0/24 -d 203.0.113.35 -j SNAT --to-source 10.0.2.15
""")
    report, output, _ = bench.trace("host", "curl -sS -m 2 192.168.57.3:12347 -H 'Host: qq.com'")
    assert "qq.com test page" in output
    conn = only_connection(report)
    assert [(s.machine, s.hook, s.target) for s in conn.request.steps] == [
        ("vm", "PREROUTING", "DNAT"), ("vm", "POSTROUTING", "SNAT"),
        ("gw", "POSTROUTING", "MASQUERADE")]
    src = [leg.flow.src for leg in conn.request.legs]
    assert src == [IPv4Address(a) for a in
                   ("192.168.57.1", "192.168.57.1", "10.0.2.15", "203.0.113.1")]
    assert conn.reply is not None and len(conn.reply.steps) == 3
    # the reply undoes them in the opposite order, named after the rules that made them
    assert [s.target for s in conn.reply.steps] == ["MASQUERADE", "SNAT", "DNAT"]
    assert conn.reply.legs[-1].flow.src == IPv4Address("192.168.57.3")
    assert conn.reply.legs[-1].flow.sport == 12347


def test_dnat_without_snat_the_reply_dies_at_the_gateway(bench: Bench) -> None:
    bench.script("""
vm# iptables -t nat -I PREROUTING -p tcp --dport 12347 -j DNAT --to-destination 203.0.113.35:80
vm# sysctl -w net.ipv4.ip_forward=1
""")
    report, _, status = bench.trace("host", "curl -sS -m 1 192.168.57.3:12347")
    assert status == 28
    conn = only_connection(report)
    assert conn.reply is not None and conn.reply.fate == "dropped"
    assert conn.reply.end == "gw" and len(conn.reply.legs) == 1
    assert "gw has no route to 192.168.57.1" in conn.reply.explanation
    assert "SNAT" in conn.reply.explanation


def test_no_listener_is_answered_by_a_reset(bench: Bench) -> None:
    report, _, status = bench.trace("host", "nc -w 1 192.168.57.3 4444")
    assert status == 1
    syn, rst = report.packets[:2]
    assert syn.fate == "delivered" and rst.answers == syn.id and rst.direction == "reply"
    assert "nothing listens on 192.168.57.3:4444 (tcp) at vm" in syn.explanation


def test_udp_to_a_closed_port_is_answered_with_port_unreachable(bench: Bench) -> None:
    report, _, _ = bench.trace("host", "echo hi | nc -u -w 1 192.168.57.3 5353")
    first = report.packets[0]
    assert "nothing listens on 192.168.57.3:5353 (udp)" in first.explanation
    assert "port-unreachable" in first.explanation
    error = report.packets[1]
    assert error.direction == "related" and error.answers == first.id


def test_a_rule_drop_names_the_rule(bench: Bench) -> None:
    bench.script("vm# iptables -A INPUT -s 192.168.57.1 -p tcp -j DROP")
    report, _, _ = bench.trace("host", "nc -w 1 192.168.57.3 22")
    first = report.packets[0]
    assert first.fate == "dropped" and first.where == "vm"
    assert first.explanation == (
        "dropped by filter INPUT rule 1: -A INPUT -s 192.168.57.1/32 -p tcp -j DROP")


def test_a_policy_drop_says_so_and_user_chains_show_jumps_and_returns(bench: Bench) -> None:
    bench.script("""
vm# iptables -N CHECK
vm# iptables -A CHECK -p udp -j ACCEPT
vm# iptables -A INPUT -j CHECK
vm# iptables -P INPUT DROP
""")
    report, _, _ = bench.trace("host", "nc -w 1 192.168.57.3 22")
    first = report.packets[0]
    assert first.explanation == ("dropped by the policy DROP of filter INPUT "
                                 "(no rule accepted it first)")
    hook = first.hops[-1].hooks[-1]
    [walk] = hook.tables
    assert [(line.chain, line.event, line.rulenum) for line in walk.lines] == [
        ("INPUT", "jump", 1), ("CHECK", "miss", 1), ("CHECK", "return", 2),
        ("INPUT", "policy", 0)]


def test_reject_is_explained_with_its_answer(bench: Bench) -> None:
    bench.script("vm# iptables -A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset")
    report, _, _ = bench.trace("host", "nc -w 1 192.168.57.3 22")
    first = report.packets[0]
    assert first.explanation.startswith("rejected by filter INPUT rule 1: -A INPUT -p tcp")
    assert "answered with tcp 192.168.57.3:22 > 192.168.57.1:" in first.explanation
    assert report.packets[1].answers == first.id


def test_forwarding_off(bench: Bench) -> None:
    bench.script("host# ip route add 203.0.113.0/24 via 192.168.57.3")
    report, _, _ = bench.trace("host", "nc -w 1 203.0.113.35 80")
    first = report.packets[0]
    assert first.fate == "dropped" and first.where == "vm"
    assert first.explanation == ("203.0.113.35 is not an address of vm, and vm does not "
                                 "forward: sysctl -w net.ipv4.ip_forward=1")


def test_martian_destination_names_route_localnet(bench: Bench) -> None:
    bench.script("""
vm# iptables -t nat -A PREROUTING -p tcp --dport 12346 -j DNAT --to-destination 127.0.0.1:1234
vm# test-iptables-server 1234 &
""")
    report, _, _ = bench.trace("host", "nc -w 1 192.168.57.3 12346")
    first = report.packets[0]
    assert first.fate == "dropped"
    assert "martian destination 127.0.0.1 on enp0s9" in first.explanation
    assert "net.ipv4.conf.enp0s9.route_localnet=1" in first.explanation


def test_reverse_path_filter(bench: Bench) -> None:
    bench.script("""
vm# sysctl -w net.ipv4.conf.enp0s9.rp_filter=1
vm# ip addr add 198.51.100.3/24 dev enp0s9
host# ip addr add 10.9.9.9/32 dev vboxnet1
host# ip route add 198.51.100.0/24 dev vboxnet1
""")
    report, _, _ = bench.trace("host", "nc -w 1 -s 10.9.9.9 198.51.100.3 22")
    first = report.packets[0]
    assert first.fate == "dropped"
    assert "reverse path filter" in first.explanation and "rp_filter=1" in first.explanation


def test_ttl_exceeded(bench: Bench) -> None:
    report, _, _ = bench.trace("vm", "ping -c 1 -W 1 -t 1 203.0.113.35")
    first = report.packets[0]
    assert first.fate == "dropped" and first.where == "gw"
    assert first.explanation.startswith("its TTL ran out at gw")
    assert "time-exceeded" in first.explanation
    error = report.packets[1]
    assert error.answers == first.id and error.direction == "related"


def test_a_packet_that_leaves_into_nothing_is_lost(bench: Bench) -> None:
    report, _, _ = bench.trace("host", "ping -c 1 -W 1 192.168.57.99")
    first = report.packets[0]
    assert first.fate == "sent" and first.where == "host"
    assert "no machine of the lab received it" in first.explanation
    conn = only_connection(report)
    assert conn.server == "host:vboxnet1" and conn.reply is None
