"""-j TEE: texts, the kernel's gateway check, the clone handed to the stack."""

from ipaddress import IPv4Address

from helpers import Shell, ip_packet, parsed_target
from nflab.extensions.tee import TeeClone
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_texts_and_checks() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A PREROUTING -j TEE --gateway 127.0.0.1 --oif eth0")
    assert sh.rules("mangle")[-1] == "-A PREROUTING -j TEE --gateway 127.0.0.1 --oif eth0"
    assert (
        sh.ok("iptables -t mangle -L PREROUTING")
        .splitlines()[-1]
        .endswith("TEE gw:localhost oif=eth0")
    )
    assert (
        sh.ok("iptables -t mangle -nL PREROUTING")
        .splitlines()[-1]
        .endswith("TEE gw:127.0.0.1 oif=eth0")
    )
    assert "Invalid argument" in sh("iptables -A INPUT -j TEE --gateway 0.0.0.0").err
    assert (
        'TEE: option "--gateway" cannot be inverted.'
        in sh("iptables -A INPUT -j TEE ! --gateway 1.1.1.1").err
    )


def test_clone_event() -> None:
    ext, value = parsed_target("-j TEE --gateway 192.0.2.1", "mangle", "PREROUTING")
    env = Env()
    packet = ip_packet()
    skb = Skb(packet, hook="PREROUTING", mark=3)
    assert ext.target(value, skb, env) is XtVerdict.CONTINUE
    assert skb.packet is packet
    ((kind, clone),) = env.events
    assert kind == "TEE" and isinstance(clone, TeeClone)
    assert clone.gateway == IPv4Address("192.0.2.1") and clone.mark == 3
    assert clone.packet.ip.ttl == packet.ip.ttl - 1 and clone.packet.ip.dont_fragment
    out = Env()
    ext.target(value, Skb(packet, hook="OUTPUT"), out)
    assert out.events[0][1].packet.ip.ttl == packet.ip.ttl
