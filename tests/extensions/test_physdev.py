"""-m physdev: texts, the OUTPUT restriction and physdev_mt."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A FORWARD -m physdev --physdev-is-bridged ! --physdev-out veth+ --physdev-in eth0")
    assert sh.rules()[-1] == (
        "-A FORWARD -m physdev --physdev-in eth0 ! --physdev-out veth+ --physdev-is-bridged"
    )
    assert sh.ok("iptables -nL FORWARD").splitlines()[-1].endswith(
        "PHYSDEV match --physdev-in eth0 ! --physdev-out veth+ --physdev-is-bridged"
    )


def test_checks() -> None:
    sh = Shell()
    assert "PHYSDEV: no physdev option specified" in sh("iptables -A FORWARD -m physdev").err
    assert sh("iptables -A OUTPUT -m physdev --physdev-out eth0").status == 4
    assert sh("iptables -A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged").status == 0
    assert "weird character" in sh("iptables -A FORWARD -m physdev --physdev-in 'a b'").err


def test_physdev_mt() -> None:
    ext, value = parsed_match("-m physdev --physdev-in eth+ --physdev-out veth1", chain="FORWARD")
    assert ext.matches(value, Skb(ip_packet(), bridge_in="eth3", bridge_out="veth1"), Env())
    assert not ext.matches(value, Skb(ip_packet(), bridge_in="eth3", bridge_out="veth2"), Env())
    assert not ext.matches(value, Skb(ip_packet()), Env())  # not bridged
    _, routed = parsed_match("-m physdev ! --physdev-is-bridged --physdev-is-in", chain="FORWARD")
    assert ext.matches(routed, Skb(ip_packet(), bridge_in="eth0"), Env())
    assert not ext.matches(routed, Skb(ip_packet(), bridge_in="eth0", bridge_out="eth1"), Env())
