"""-m mac: lowercase save, hooks, evaluation without an Ethernet header."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts_and_errors() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m mac --mac-source AA:bb:0c:d:E:F")
    sh.ok("iptables -A INPUT -m mac ! --mac-source 00:00:00:00:00:01")
    assert sh.rules()[-2:] == [
        "-A INPUT -m mac --mac-source aa:bb:0c:0d:0e:0f",
        "-A INPUT -m mac ! --mac-source 00:00:00:00:00:01",
    ]
    assert sh.ok("iptables -L INPUT").splitlines()[3].endswith("MAC ! 00:00:00:00:00:01")
    assert "Invalid MAC address specified." in sh("iptables -A INPUT -m mac --mac-source 1:2:3:4:5").err
    assert sh("iptables -A OUTPUT -m mac --mac-source 1:2:3:4:5:6").status == 4


def test_matches() -> None:
    ext, value = parsed_match("-m mac ! --mac-source 00:00:00:00:00:01")
    assert ext.matches(value, Skb(ip_packet(), src_mac=bytes.fromhex("020000000002")), Env())
    assert not ext.matches(value, Skb(ip_packet(), src_mac=bytes.fromhex("000000000001")), Env())
    assert not ext.matches(value, Skb(ip_packet()), Env())  # loopback: never, even inverted
