"""-m statistic: P*2^31 fixed point with %.11f, nth counters, random via env.rng."""

import random

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("0.5", "0.50000000000"),
        ("0.1", "0.10000000009"),
        ("0.3333333", "0.33333329996"),
        ("1", "1.00000000000"),
        ("0x1p-2", "0.25000000000"),
        ("nan", "0.00000000000"),
    ],
)
def test_probability_rounding(given: str, shown: str) -> None:
    sh = Shell()
    sh.ok(f"iptables -A INPUT -m statistic --mode random --probability {given}")
    assert sh.rules()[-1] == f"-A INPUT -m statistic --mode random --probability {shown}"
    assert (
        sh.ok("iptables -L INPUT")
        .splitlines()[-1]
        .endswith(f"statistic mode random probability {shown}")
    )


def test_nth_texts() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -A INPUT -m statistic --mode nth ! --every 3 --packet 0")
    assert sh.rules(flavour="iptables-legacy")[-1] == (
        "-A INPUT -m statistic --mode nth ! --every 3 --packet 0"
    )
    assert (
        sh.ok("iptables-legacy -L INPUT").splitlines()[-1].endswith("statistic mode nth ! every 3")
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "--probability must be specified when using random mode"),
        ("--mode nth", "--every and --packet must be specified when using nth mode"),
        ("--mode nth --every 2 --packet 2", "the --packet p must be 0 <= p <= n-1"),
        ("--probability 1", 'statistic: option "--mode" must be specified'),
        ("--mode nth --every 3", 'statistic: option "--every" also requires "--packet".'),
        ("--mode foo", 'Bad mode "foo"'),
        (
            "--mode random --probability 1.1",
            'statistic: bad value for option "--probability", or out of range (0-1).',
        ),
        (
            "--mode random --probability '0.5 '",
            'statistic: bad value for option "--probability", or out of range (0-1).',
        ),
    ],
)
def test_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m statistic {rule}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_nth_counts_from_packet() -> None:
    ext, value = parsed_match("-m statistic --mode nth --every 3 --packet 1")
    env, skb = Env(), Skb(ip_packet())
    assert [ext.matches(value, skb, env) for _ in range(7)] == [
        False,
        True,
        False,
        False,
        True,
        False,
        False,
    ]
    ext, inverted = parsed_match("-m statistic --mode nth ! --every 2 --packet 0")
    assert [ext.matches(inverted, skb, env) for _ in range(4)] == [False, True, False, True]


def test_random_uses_rng() -> None:
    ext, value = parsed_match("-m statistic --mode random --probability 0.25")
    env, skb = Env(rng=random.Random(42)), Skb(ip_packet())
    hits = sum(ext.matches(value, skb, env) for _ in range(4000))
    assert 850 < hits < 1150
    ext, never = parsed_match("-m statistic --mode random --probability 0")
    assert not any(ext.matches(never, skb, env) for _ in range(100))
