"""-j DSCP: classes, texts, ECN bits kept."""

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.iptables.errors import ParameterProblem
from nflab.iptables.tosdscp import class_to_dscp
from nflab.netfilter.skb import Env, Skb


def test_texts_and_errors() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A FORWARD -j DSCP --set-dscp-class EF")
    sh.ok("iptables -t mangle -A FORWARD -j DSCP --set-dscp 10")
    assert sh.rules("mangle")[-2:] == [
        "-A FORWARD -j DSCP --set-dscp 0x2e",
        "-A FORWARD -j DSCP --set-dscp 0x0a",
    ]
    assert sh.ok("iptables -t mangle -L FORWARD").splitlines()[-1].endswith("DSCP set 0x0a")
    assert (
        "DSCP target: Parameter --set-dscp is required"
        in sh("iptables -t mangle -A INPUT -j DSCP").err
    )
    assert (
        'option "--set-dscp" cannot be used together with "--set-dscp-class"'
        in sh("iptables -t mangle -A INPUT -j DSCP --set-dscp-class CS0 --set-dscp 1").err
    )


def test_classes_by_prefix() -> None:
    assert class_to_dscp("af41") == 0x22
    assert class_to_dscp("cs7anything") == 0x38
    with pytest.raises(ParameterProblem, match="Invalid DSCP value `AF'"):
        class_to_dscp("AF")


def test_keeps_ecn_bits() -> None:
    ext, value = parsed_target("-j DSCP --set-dscp-class AF11", "mangle", "FORWARD")
    packet = ip_packet()
    skb = Skb(
        packet.__class__(packet.ip.__class__(packet.ip.src, packet.ip.dst, 6, tos=0x03), packet.l4)
    )
    ext.target(value, skb, Env())
    assert skb.packet.ip.tos == (0x0A << 2) | 0x03
