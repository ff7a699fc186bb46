"""-j AUDIT: types and the audit record."""

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -t nat -A PREROUTING -j AUDIT --type DROP")
    assert sh.rules("nat")[-1] == "-A PREROUTING -j AUDIT --type drop"
    assert sh.ok("iptables -t nat -nL PREROUTING").splitlines()[-1].endswith("AUDIT drop")
    assert 'Bad action type value "wrong"' in sh("iptables -A INPUT -j AUDIT --type wrong").err
    assert 'AUDIT: option "--type" must be specified' in sh("iptables -A INPUT -j AUDIT").err


def test_records_event() -> None:
    ext, value = parsed_target("-j AUDIT --type accept")
    env = Env()
    assert ext.target(value, Skb(ip_packet(), mark=0x2A), env) is XtVerdict.CONTINUE
    ext.target(value, Skb(ip_packet(proto="udp")), env)
    assert env.events == [
        ("AUDIT", "mark=0x2a saddr=10.0.0.1 daddr=10.0.0.2 proto=6"),
        ("AUDIT", "mark=0 saddr=10.0.0.1 daddr=10.0.0.2 proto=17"),
    ]
