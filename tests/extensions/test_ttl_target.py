"""-j TTL: modes, ranges, saturation."""

from dataclasses import replace

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb


def test_texts_and_errors() -> None:
    sh = Shell()
    for rule in ("--ttl-set 42", "--ttl-inc 1", "--ttl-dec 3"):
        sh.ok(f"iptables -t mangle -A PREROUTING -j TTL {rule}")
    rows = [
        line.split("0.0.0.0/0")[-1].strip()
        for line in sh.ok("iptables -t mangle -nL PREROUTING").splitlines()[2:]
    ]
    assert rows == ["TTL set to 42", "TTL increment by 1", "TTL decrement by 3"]
    assert sh.rules("mangle")[-1] == "-A PREROUTING -j TTL --ttl-dec 3"
    assert (
        '"--ttl-inc", or out of range (1-255).'
        in sh("iptables -t mangle -A INPUT -j TTL --ttl-inc 0").err
    )
    assert (
        'option "--ttl-dec" cannot be used together with "--ttl-inc".'
        in sh("iptables -t mangle -A INPUT -j TTL --ttl-dec 1 --ttl-inc 1").err
    )
    assert "TTL: You must specify an action" in sh("iptables -t mangle -A INPUT -j TTL").err
    assert "Invalid argument" in sh("iptables -A INPUT -j TTL --ttl-set 1").err


def test_saturates() -> None:
    packet = ip_packet()
    for rule, ttl, expected in (
        ("--ttl-inc 10", 250, 255),
        ("--ttl-dec 10", 5, 0),
        ("--ttl-set 7", 64, 7),
    ):
        ext, value = parsed_target(f"-j TTL {rule}", "mangle", "PREROUTING")
        skb = Skb(replace(packet, ip=replace(packet.ip, ttl=ttl)))
        ext.target(value, skb, Env())
        assert skb.packet.ip.ttl == expected
