"""-j CLASSIFY: sscanf-style class parsing, hooks, skb priority."""

from helpers import Shell, ip_packet, parsed_target
from nflab.extensions.classify import parse_class
from nflab.netfilter.skb import Env, Skb


def test_parse_like_sscanf() -> None:
    assert parse_class("1:2") == 0x10002
    assert parse_class("1:-1") == 0x1FFFF  # accepted, as by the real binary
    assert parse_class("0000:ffffffff") == 0xFFFF
    assert parse_class(" 12345:0x10xyz") == 0x23450010
    assert parse_class("0x:1") == 1
    assert parse_class("1") is None and parse_class("1:g") is None


def test_texts_and_hooks() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A POSTROUTING -j CLASSIFY --set-class 1:a")
    assert sh.rules("mangle")[-1] == "-A POSTROUTING -j CLASSIFY --set-class 0001:000a"
    assert sh.ok("iptables -t mangle -nL POSTROUTING").splitlines()[-1].endswith("CLASSIFY set 1:a")
    assert 'Bad class value "x"' in sh("iptables -t mangle -A OUTPUT -j CLASSIFY --set-class x").err
    assert "Invalid argument" in sh("iptables -t mangle -A INPUT -j CLASSIFY --set-class 1:1").err
    assert "Invalid argument" in sh("iptables -A FORWARD -j CLASSIFY --set-class 1:1").err


def test_sets_priority() -> None:
    ext, value = parsed_target("-j CLASSIFY --set-class 10:20", "mangle", "FORWARD")
    skb = Skb(ip_packet())
    ext.target(value, skb, Env())
    assert skb.priority == 0x100020
