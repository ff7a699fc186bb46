"""-j NFLOG: texts, the legacy/nft differences (prefix length, --nflog-range), the event."""

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.logformat import NflogEvent
from nflab.netfilter.skb import Env, Skb, XtVerdict

LONG = "p" * 130


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j NFLOG --nflog-threshold 3 --nflog-size 9 --nflog-group 2 --nflog-prefix 'a b'")
    assert sh.rules()[-1] == (
        '-A INPUT -j NFLOG --nflog-prefix "a b" --nflog-group 2 --nflog-size 9 --nflog-threshold 3'
    )
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(
        'nflog-prefix "a b" nflog-group 2 nflog-size 9 nflog-threshold 3'
    )
    sh.ok("iptables -A INPUT -j NFLOG --nflog-group 0 --nflog-threshold 0 --nflog-size 0")
    assert sh.rules()[-1] == "-A INPUT -j NFLOG --nflog-size 0"


@pytest.mark.parametrize(("flavour", "kept"), [("iptables-legacy", 63), ("iptables", 127)])
def test_prefix_length_per_backend(flavour: str, kept: int) -> None:
    sh = Shell()
    sh.ok(f"{flavour} -A INPUT -j NFLOG --nflog-prefix {LONG}")
    assert sh.rules(flavour=flavour)[-1] == f"-A INPUT -j NFLOG --nflog-prefix {'p' * kept}"
    sh.ok(f"{flavour} -D INPUT -j NFLOG --nflog-prefix {LONG}")


@pytest.mark.parametrize(("flavour", "saved"), [("iptables-legacy", " --nflog-range 5"), ("iptables", "")])
def test_range_warns_and_only_legacy_keeps_it(flavour: str, saved: str) -> None:
    sh = Shell()
    result = sh(f"{flavour} -A INPUT -j NFLOG --nflog-range 5")
    assert result.status == 0
    assert result.err == (
        "warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead\n"
    )
    assert sh.rules(flavour=flavour)[-1] == f"-A INPUT -j NFLOG{saved}"
    sh.ok(f"{flavour} -D INPUT -j NFLOG --nflog-range 5")


def test_errors() -> None:
    result = Shell()("iptables -A INPUT -j NFLOG --nflog-range 1 --nflog-size 2")
    assert result.err.splitlines()[:2] == [
        "warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead",
        'iptables v1.8.9 (nf_tables): NFLOG: option "--nflog-range" cannot be used together with "--nflog-size".',
    ]
    twice = Shell()("iptables -A INPUT -j NFLOG --nflog-range 1 --nflog-range 2")
    assert twice.err.splitlines()[0].endswith('NFLOG: option "--nflog-range" can only be used once.')
    big = Shell()("iptables -A INPUT -j NFLOG --nflog-group 65536")
    assert big.status == 2 and "(0-65535)" in big.err
    assert "Newlines not allowed in --log-prefix" in Shell()("iptables -A INPUT -j NFLOG --nflog-prefix 'a\nb'").err


def test_event() -> None:
    ext, value = parsed_target("-j NFLOG --nflog-group 4 --nflog-prefix x --nflog-size 128")
    env = Env()
    packet = ip_packet()
    skb = Skb(packet, hook="FORWARD", in_iface="eth0", out_iface="eth1", mark=9)
    assert ext.target(value, skb, env) is XtVerdict.CONTINUE
    assert env.events == [("NFLOG", NflogEvent(4, "x", packet, "FORWARD", "eth0", "eth1", 128, 0, 9))]
    ext, plain = parsed_target("-j NFLOG")
    ext.target(plain, skb, env)
    assert env.events[-1][1].snaplen is None and env.events[-1][1].group == 0
