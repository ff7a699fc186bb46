"""-j CONNSECMARK: table restriction and the copy rules between packet and entry."""

from dataclasses import dataclass

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb


@dataclass
class Conn:
    secmark: int = 0


def test_texts_and_table() -> None:
    sh = Shell()
    sh.ok("iptables -t security -A INPUT -j CONNSECMARK --save")
    assert sh.rules("security")[-1] == "-A INPUT -j CONNSECMARK --save"
    assert sh.ok("iptables -t security -nL INPUT").splitlines()[-1].endswith("CONNSECMARK save")
    bad = sh("iptables -A INPUT -j CONNSECMARK --restore")
    assert bad.status == 4 and "RULE_APPEND failed (Invalid argument)" in bad.err
    assert (
        "CONNSECMARK target: parameter required"
        in sh("iptables -t mangle -A INPUT -j CONNSECMARK").err
    )


def test_copies_only_into_unmarked() -> None:
    ext, save = parsed_target("-j CONNSECMARK --save", "mangle")
    conn = Conn()
    ext.target(save, Skb(ip_packet(), secmark=5, ct=conn), Env())
    ext.target(save, Skb(ip_packet(), secmark=6, ct=conn), Env())
    assert conn.secmark == 5
    _, restore = parsed_target("-j CONNSECMARK --restore", "mangle")
    skb = Skb(ip_packet(), ct=conn)
    ext.target(restore, skb, Env())
    assert skb.secmark == 5
    marked = Skb(ip_packet(), secmark=9, ct=conn)
    ext.target(restore, marked, Env())
    assert marked.secmark == 9
