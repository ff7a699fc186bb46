"""-m pkttype: names and aliases, evaluation including looped-back packets."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m pkttype --pkt-type BCAST")
    sh.ok("iptables -A INPUT -m pkttype ! --pkt-type host")
    assert sh.rules()[-2:] == [
        "-A INPUT -m pkttype --pkt-type broadcast",
        "-A INPUT -m pkttype ! --pkt-type unicast",
    ]
    lines = sh.ok("iptables -L INPUT").splitlines()
    assert lines[2].endswith("PKTTYPE = broadcast") and lines[3].endswith("PKTTYPE != unicast")
    assert "Bad packet type 'wrong'" in sh("iptables -A INPUT -m pkttype --pkt-type wrong").err


def test_matches() -> None:
    ext, value = parsed_match("-m pkttype --pkt-type multicast")
    assert ext.matches(value, Skb(ip_packet(), pkttype="multicast"), Env())
    assert not ext.matches(value, Skb(ip_packet(), pkttype="host"), Env())
    looped = Skb(ip_packet(dst="224.0.0.1"), pkttype="loopback")
    assert ext.matches(value, looped, Env())
    assert not ext.matches(value, Skb(ip_packet(), pkttype="loopback"), Env())  # broadcast
