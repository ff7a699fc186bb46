"""-m rateest: optional rate words, texts (bits/Kbit/Mbit), comparisons with RATEEST estimators."""

import pytest

from helpers import Shell, ip_packet, parsed_match, parsed_target
from nflab.extensions.rateest import parse_rate
from nflab.netfilter.skb import Env, Skb

SETUP = (
    "iptables -A INPUT -j RATEEST --rateest-name RE1 --rateest-interval 250ms --rateest-ewmalog "
    "500ms",
    "iptables -A INPUT -j RATEEST --rateest-name RE2 --rateest-interval 250ms --rateest-ewmalog "
    "500ms",
)


def test_texts() -> None:
    sh = Shell()
    for line in SETUP:
        sh.ok(line)
    sh.ok("iptables -A INPUT -m rateest --rateest RE1 ! --rateest-lt --rateest-bps 5mbit")
    sh.ok(
        "iptables -A INPUT -m rateest --rateest-delta --rateest1 RE1 --rateest-bps1 8kbit "
        "--rateest-pps1 10 --rateest-gt --rateest-bps2 16bit --rateest-pps2 9 --rateest2 RE2"
    )
    assert sh.rules()[-2:] == [
        "-A INPUT -m rateest --rateest RE1 ! --rateest-lt --rateest-bps 5000Kbit",
        "-A INPUT -m rateest --rateest-delta --rateest1 RE1 --rateest-bps1 8000bit --rateest-gt "
        "--rateest-bps2 16bit --rateest-pps1 10 --rateest-gt --rateest-pps2 9 --rateest2 RE2",
    ]
    named, numeric = sh.ok("iptables -L INPUT"), sh.ok("iptables -nL INPUT")
    assert named.splitlines()[-2].endswith("rateest match RE1 bps 5000Kbit ! lt")
    assert numeric.splitlines()[-2].endswith("rateest match RE1 bps 625000 ! lt")
    assert numeric.splitlines()[-1].endswith(
        "rateest match RE1 delta bps 1000 pps 10 gt RE2 bps 2 pps 9"
    )


@pytest.mark.parametrize(
    ("rule", "status", "message"),
    [
        ("--rateest RE1 --rateest-lt --rateest-bps 1x", 2, "rateest: could not parse rate `1x'"),
        ("--rateest RE1 --rateest-lt --rateest-pps x", 2, "rateest: could not parse pps `x'"),
        ("--rateest RE1 --rateest-lt --rateest-bps -8", 2, 'unknown option "-8"'),
        ("! --rateest RE1", 2, "rateest: rateest can't be inverted"),
        ("--rateest RE1 --rateest1 RE2", 2, "rateest: can't specify --rateest1 twice"),
        ("--rateest RE1 --rateest-lt --rateest-lt", 2, "rateest: can't specify lt/gt/eq twice"),
        ("--rateest RE1 ! --rateest-pps 1", 2, "rateest: rateest-pps can't be inverted"),
        ("--rateest RE1 --rateest-pps 4", 4, "RULE_APPEND failed (Invalid argument)"),
        ("--rateest RE1 --rateest-lt", 4, "RULE_APPEND failed (Invalid argument)"),
    ],
)
def test_errors(rule: str, status: int, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m rateest {rule}")
    assert result.status == status and message in result.err.splitlines()[0]


def test_rate_units() -> None:
    assert parse_rate("8") == 1  # a bare number is bits
    assert parse_rate("5KBIT") == 625 and parse_rate("1KiBps") == 1024
    assert parse_rate("1000000000Bps") == 1000000000
    assert parse_rate("1x") is None


def test_compares_estimators() -> None:
    target, est = parsed_target(
        "-j RATEEST --rateest-name RE1 --rateest-interval 250ms --rateest-ewmalog 500ms"
    )
    ext, slow = parsed_match("-m rateest --rateest RE1 --rateest-lt --rateest-pps 5")
    _, fast = parsed_match("-m rateest --rateest RE1 --rateest-gt --rateest-pps 5")
    env = Env(now=0.0)
    skb = Skb(ip_packet())
    assert ext.matches(slow, skb, env) and not ext.matches(fast, skb, env)  # nothing measured yet
    for i in range(400):  # 100 packets per second for 4 seconds
        env.now = i / 100
        target.target(est, skb, env)
    assert ext.matches(fast, skb, env) and not ext.matches(slow, skb, env)
    _, delta = parsed_match(
        "-m rateest --rateest-delta --rateest RE1 --rateest-pps1 1000 --rateest-gt --rateest-pps2 "
        "500"
    )
    assert ext.matches(delta, skb, env)  # 1000 - ~100 > 500
