"""-m mark and the shared mark/mask helpers."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.iptables.errors import ParameterProblem
from nflab.iptables.marks import mark_mask_text, parse_val_mask
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m mark --mark 4294967295/0xffffffff")
    sh.ok("iptables -A INPUT -m mark ! --mark 5/0xff")
    assert sh.rules()[-2:] == [
        "-A INPUT -m mark --mark 0xffffffff",
        "-A INPUT -m mark ! --mark 0x5/0xff",
    ]
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("mark match ! 0x5/0xff")


def test_parse_errors() -> None:
    sh = Shell()
    assert 'mark: bad integer value for option "--mark", or out of range.' in sh(
        "iptables -A INPUT -m mark --mark 0x100000000"
    ).err
    assert 'trailing garbage after value for option "--mark"' in sh(
        "iptables -A INPUT -m mark --mark 1/2x"
    ).err


def test_val_mask_helpers() -> None:
    assert parse_val_mask("0x10/0xf0", "x", "y") == (0x10, 0xF0)
    assert parse_val_mask("lan", "x", "y", {"lan": 3}) == (3, 0xFFFFFFFF)
    with pytest.raises(ParameterProblem, match="could not map name wan"):
        parse_val_mask("wan", "x", "y", {"lan": 3})
    assert mark_mask_text(1) == "0x1" and mark_mask_text(1, 0) == "0x1/0x0"


def test_matches_under_mask() -> None:
    ext, value = parsed_match("-m mark --mark 0x10/0xf0")
    assert ext.matches(value, Skb(ip_packet(), mark=0x1F), Env())
    assert not ext.matches(value, Skb(ip_packet(), mark=0x20), Env())
    ext, inv = parsed_match("-m mark ! --mark 0x10/0xf0")
    assert ext.matches(inv, Skb(ip_packet(), mark=0x20), Env())
