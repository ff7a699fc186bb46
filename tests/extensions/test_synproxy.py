"""-j SYNPROXY: texts, struct widths, hooks and TCP-only check."""

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb


def test_texts_and_checks() -> None:
    sh = Shell()
    sh.ok(
        "iptables -A INPUT -p tcp -j SYNPROXY --ecn --wscale 300 --mss 70000 --sack-perm --timestamp"
    )
    assert (
        sh.rules()[-1]
        == "-A INPUT -p tcp -j SYNPROXY --sack-perm --timestamp --wscale 44 --mss 4464 --ecn"
    )
    assert (
        sh.ok("iptables -nL INPUT")
        .splitlines()[-1]
        .endswith("SYNPROXY sack-perm timestamp wscale 44 mss 4464 ecn ")
    )
    assert "Invalid argument" in sh("iptables -A INPUT -p udp -j SYNPROXY").err
    assert "Invalid argument" in sh("iptables -A OUTPUT -p tcp -j SYNPROXY").err
    sh.ok("iptables -t mangle -A INPUT -p tcp -j SYNPROXY")


def test_not_modelled() -> None:
    ext, value = parsed_target("-p tcp -j SYNPROXY")
    with pytest.raises(NotImplementedError, match="SYNPROXY"):
        ext.target(value, Skb(ip_packet()), Env())
