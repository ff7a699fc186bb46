"""-m osf: TCP on input hooks only; no fingerprint database to evaluate."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts_and_kernel_restrictions() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp -m osf ! --genre Linux --log 1")
    assert sh.rules()[-1] == "-A INPUT -p tcp -m osf ! --genre Linux --log 1"
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("OS fingerprint match ! Linux")
    assert sh("iptables -A INPUT -m osf --genre Linux").status == 4
    assert sh("iptables -A OUTPUT -p tcp -m osf --genre Linux").status == 4
    assert "out of range (0-2)" in sh("iptables -A INPUT -p tcp -m osf --genre x --ttl 3").err


def test_evaluation_is_refused() -> None:
    ext, value = parsed_match("-p tcp -m osf --genre Linux")
    with pytest.raises(NotImplementedError, match="osf"):
        ext.matches(value, Skb(ip_packet()), Env())
