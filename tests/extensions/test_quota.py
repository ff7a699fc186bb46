"""-m quota: texts and the per-rule byte budget."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m quota ! --quota 1000")
    assert sh.rules()[-1] == "-A INPUT -m quota ! --quota 1000"
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("quota: 1000 bytes")


def test_budget_is_spent_then_closed_for_good() -> None:
    ext, value = parsed_match("-m quota --quota 100")
    env = Env()
    packet = ip_packet(payload=b"x" * 20)  # 60 bytes
    small = ip_packet(payload=b"")  # 40 bytes
    assert ext.matches(value, Skb(packet), env)  # 40 left
    assert not ext.matches(value, Skb(packet), env)  # does not fit: quota emptied
    assert not ext.matches(value, Skb(small), env)
    ext, other = parsed_match("-m quota --quota 100")
    assert ext.matches(other, Skb(packet), env)  # another rule, its own budget


def test_inverted_matches_once_exhausted() -> None:
    ext, value = parsed_match("-m quota ! --quota 50")
    env = Env()
    assert not ext.matches(value, Skb(ip_packet()), env)
    assert ext.matches(value, Skb(ip_packet()), env)
