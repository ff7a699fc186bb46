"""-m cgroup: revision 2 texts and the kernel's one-of check."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A OUTPUT -m cgroup ! --path /")
    sh.ok("iptables -A OUTPUT -m cgroup --cgroup 0x10")
    assert sh.rules()[-2:] == ['-A OUTPUT -m cgroup ! --path "/"', "-A OUTPUT -m cgroup --cgroup 16"]
    assert sh.ok("iptables -nL OUTPUT").splitlines()[-2].endswith("cgroup ! /")


def test_kernel_wants_exactly_one() -> None:
    sh = Shell()
    nft = sh("iptables -A OUTPUT -m cgroup --path / --cgroup 1")
    assert nft.status == 4 and "RULE_APPEND failed (Invalid argument)" in nft.err
    legacy = sh("iptables-legacy -A OUTPUT -m cgroup")
    assert legacy.err == "iptables: Invalid argument. Run `dmesg' for more information.\n"


def test_evaluation_is_refused() -> None:
    ext, value = parsed_match("-m cgroup --cgroup 1", chain="OUTPUT")
    with pytest.raises(NotImplementedError, match="cgroup"):
        ext.matches(value, Skb(ip_packet()), Env())
