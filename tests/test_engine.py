"""Rule traversal (``ipt_do_table``) on rules written as iptables commands."""

from ipaddress import IPv4Address

from helpers import Shell
from nflab.netfilter.engine import Step, run_chain
from nflab.netfilter.skb import Env, Skb, XtVerdict
from nflab.packet.headers import IPPROTO_TCP, TCP, IPv4, Packet, TcpFlags


def syn(src: str, dst: str, dport: int) -> Packet:
    return Packet(IPv4(IPv4Address(src), IPv4Address(dst), IPPROTO_TCP), TCP(40000, dport, flags=TcpFlags.SYN))


def verdict(sh: Shell, packet: Packet, chain: str = "INPUT", steps: list[Step] | None = None) -> XtVerdict:
    table = sh.host.netfilter.nft.view("filter")
    return run_chain(table, chain, Skb(packet, in_iface="eth0"), Env(), steps.append if steps is not None else None)


def test_first_match_wins_and_counts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp --dport 22 -j ACCEPT")
    sh.ok("iptables -A INPUT -p tcp -j DROP")
    assert verdict(sh, syn("10.0.0.1", "10.0.0.2", 22)) is XtVerdict.ACCEPT
    assert verdict(sh, syn("10.0.0.1", "10.0.0.2", 23)) is XtVerdict.DROP
    listing = sh.ok("iptables -nvxL INPUT").splitlines()
    assert listing[2].split()[:2] == ["1", "40"] and listing[3].split()[:2] == ["1", "40"]


def test_user_chain_return_and_policy() -> None:
    sh = Shell()
    sh.ok("iptables -P INPUT DROP")
    sh.ok("iptables -N MY")
    sh.ok("iptables -A INPUT -j MY")
    sh.ok("iptables -A MY -s 10.0.0.1 -j RETURN")
    sh.ok("iptables -A MY -j ACCEPT")
    steps: list[Step] = []
    assert verdict(sh, syn("10.0.0.1", "10.0.0.2", 80), steps=steps) is XtVerdict.DROP
    assert [(s.chain, s.kind) for s in steps] == [("INPUT", "rule"), ("MY", "rule"), ("INPUT", "policy")]
    assert verdict(sh, syn("10.0.0.9", "10.0.0.2", 80)) is XtVerdict.ACCEPT
    assert sh.ok("iptables -nvL INPUT").splitlines()[0] == "Chain INPUT (policy DROP 1 packets, 40 bytes)"


def test_goto_does_not_come_back() -> None:
    sh = Shell()
    sh.ok("iptables -N G")
    sh.ok("iptables -A INPUT -g G")
    sh.ok("iptables -A INPUT -j DROP")
    assert verdict(sh, syn("10.0.0.1", "10.0.0.2", 80)) is XtVerdict.ACCEPT  # end of G: the policy


def test_inverted_generic_matches() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT ! -s 10.0.0.0/8 -j DROP")
    sh.ok("iptables -A INPUT ! -i eth+ -j DROP")
    assert verdict(sh, syn("10.1.1.1", "10.0.0.2", 80)) is XtVerdict.ACCEPT
    assert verdict(sh, syn("192.0.2.1", "10.0.0.2", 80)) is XtVerdict.DROP


def test_nft_base_chains_exist_only_once_created_and_count_only_after_policy() -> None:
    # iptables-nft 1.8.9: -A creates the base chain without a policy counter, -P adds
    # one, -X removes empty ACCEPT base chains (checked with nft list ruleset + ping)
    sh = Shell()
    sh.ok("iptables -A INPUT -p icmp")
    table = sh.host.netfilter.nft.view("filter")
    assert [c.hooked for c in table.builtin_chains()] == [True, False, False]
    packet = syn("10.0.0.1", "10.0.0.2", 80)
    run_chain(table, "INPUT", Skb(packet), Env())
    assert sh.ok("iptables -nvL INPUT").splitlines()[0] == "Chain INPUT (policy ACCEPT 0 packets, 0 bytes)"
    sh.ok("iptables -P INPUT ACCEPT")
    run_chain(sh.host.netfilter.nft.view("filter"), "INPUT", Skb(packet), Env())
    assert sh.ok("iptables -nvL INPUT").splitlines()[0] == "Chain INPUT (policy ACCEPT 1 packets, 40 bytes)"
    sh.ok("iptables -P FORWARD DROP")
    sh.ok("iptables -F")
    sh.ok("iptables -X")
    table = sh.host.netfilter.nft.view("filter")
    assert [c.hooked for c in table.builtin_chains()] == [False, True, False]


def test_every_generic_test_and_its_inversion() -> None:
    sh = Shell()
    packet = syn("10.0.0.1", "10.0.0.2", 80)  # in on eth0, TCP, not a fragment
    cases = [
        ("-s 10.0.0.0/24", True), ("! -s 10.0.0.0/24", False),
        ("-d 10.0.0.2", True), ("! -d 10.0.0.2", False), ("-d 10.0.0.3", False),
        ("-i eth0", True), ("-i eth+", True), ("! -i eth+", False), ("-i lo", False),
        ("-p tcp", True), ("! -p tcp", False), ("-p udp", False), ("-f", False), ("! -f", True),
    ]  # fmt: skip
    for spec, _ in cases:
        sh.ok(f"iptables -A INPUT {spec}")
    assert verdict(sh, packet) is XtVerdict.ACCEPT
    counts = [int(line.split()[0]) for line in sh.ok("iptables -nvxL INPUT").splitlines()[2:]]
    assert counts == [int(hit) for _, hit in cases]


def test_a_changed_chain_is_evaluated_as_changed() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp --dport 80 -j DROP")
    assert verdict(sh, syn("10.0.0.1", "10.0.0.2", 80)) is XtVerdict.DROP
    sh.ok("iptables -R INPUT 1 -p tcp --dport 81 -j DROP")  # same length, new rule
    assert verdict(sh, syn("10.0.0.1", "10.0.0.2", 80)) is XtVerdict.ACCEPT
    sh.ok("iptables -I INPUT -s 10.0.0.1 -j REJECT")
    steps: list[Step] = []
    verdict(sh, syn("10.0.0.9", "10.0.0.2", 81), steps=steps)
    assert [(s.rulenum, s.kind) for s in steps] == [(1, "miss"), (2, "rule")]
