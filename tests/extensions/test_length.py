"""-m length: UINT16RC ranges and the IP total length."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts_and_errors() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m length --length :2")
    sh.ok("iptables -A INPUT -m length ! --length 9:5")
    assert sh.rules()[-2:] == ["-A INPUT -m length --length 0:2", "-A INPUT -m length ! --length 9:5"]
    assert sh.ok("iptables -L INPUT").splitlines()[3].endswith("length !9:5")
    assert 'length: bad value for option "--length" near "70000", or out of range (0-65535).' in sh(
        "iptables -A INPUT -m length --length 5:70000"
    ).err
    assert 'length: option "--length" must be specified' in sh("iptables -A INPUT -m length").err


def test_matches() -> None:
    ext, value = parsed_match("-m length --length 40:100")
    assert ext.matches(value, Skb(ip_packet(payload=bytes(20))), Env())  # 20 + 20 + 20
    assert not ext.matches(value, Skb(ip_packet(payload=bytes(80))), Env())
