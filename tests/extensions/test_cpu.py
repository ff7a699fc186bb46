"""-m cpu: texts; evaluation is not simulated."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts_and_errors() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m cpu ! --cpu 3")
    assert sh.rules()[-1] == "-A INPUT -m cpu ! --cpu 3"
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("cpu ! 3")
    assert "out of range (0-4294967295)" in sh("iptables -A INPUT -m cpu --cpu 4294967296").err


def test_evaluation_is_refused() -> None:
    ext, value = parsed_match("-m cpu --cpu 0")
    with pytest.raises(NotImplementedError, match="cpu"):
        ext.matches(value, Skb(ip_packet()), Env())
