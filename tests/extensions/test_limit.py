"""-m limit: rate texts, the kernel's credit arithmetic and token bucket, nft read-back."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.extensions.limit import HZ, Limit, user2credits
from nflab.netfilter.skb import Env, Skb


@pytest.mark.parametrize("flavour", ["iptables", "iptables-legacy"])
def test_texts(flavour: str) -> None:
    sh = Shell()
    sh.ok(f"{flavour} -A INPUT -m limit --limit 10/minute")
    sh.ok(f"{flavour} -A INPUT -m limit")
    sh.ok(f"{flavour} -A INPUT -m limit --limit 1500/s --limit-burst 7")
    assert sh.rules(flavour=flavour)[3:] == [
        "-A INPUT -m limit --limit 10/min",
        "-A INPUT -m limit --limit 3/hour",
        "-A INPUT -m limit --limit 1666/sec --limit-burst 7",
    ]
    listing = sh.ok(f"{flavour} -L INPUT").splitlines()
    assert listing[2].endswith("anywhere             limit: avg 10/min burst 5")
    assert listing[4].endswith("limit: avg 1666/sec burst 7")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("--limit 10001/sec", 'Rate too fast "10001/sec"'),
        ("--limit -1/sec", 'Rate too fast "-1/sec"'),
        ("--limit 5/fortnight", 'bad rate "5/fortnight"\''),
        ("--limit 0/s", 'bad rate "0/s"\''),
        (
            "--limit-burst 10001",
            'limit: bad value for option "--limit-burst", or out of range (0-10000).',
        ),
        ("! --limit 5", 'limit: option "--limit" cannot be inverted.'),
    ],
)
def test_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m limit {rule}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_burst_zero_and_overflow() -> None:
    sh = Shell()
    # xt_limit refuses a zero burst and an avg*burst that overflows its credits
    for rule in ("--limit-burst 0", "--limit 1/day", "--limit 3/hour --limit-burst 10000"):
        result = sh(f"iptables-legacy -A INPUT -m limit {rule}")
        assert (result.status, result.err) == (1, "iptables: Numerical result out of range.\n")
    # iptables-nft uses nf_tables' native limit: it takes them (burst 0 becomes the default)
    sh.ok("iptables -A INPUT -m limit --limit-burst 0")
    sh.ok("iptables -A INPUT -m limit --limit 1/day")
    assert sh.rules()[3:] == ["-A INPUT -m limit --limit 3/hour", "-A INPUT -m limit --limit 1/day"]
    assert sh.ok("iptables -nL INPUT").splitlines()[2].endswith("limit: avg 3/hour burst 5")


def test_nft_reads_back_rate_per_unit() -> None:
    sh = Shell()
    for flavour in ("iptables", "iptables-legacy"):
        sh.ok(f"{flavour} -A INPUT -m limit --limit 961/min")
    # 961/min is 624 periods of 1/10000 s; nft stores 16 per second, read back as 625
    assert sh("iptables -C INPUT -m limit --limit 16/sec").status == 0
    assert sh("iptables-legacy -C INPUT -m limit --limit 16/sec").status == 1
    assert sh("iptables-legacy -C INPUT -m limit --limit 961/min").status == 0


def test_user2credits() -> None:
    assert user2credits(10000) == HZ * 128  # one second
    big = 864000000  # 1/day: divided first
    assert user2credits(big) == (big // 10000) * HZ * 128 % 2**32


def test_token_bucket() -> None:
    ext, value = parsed_match("-m limit --limit 2/sec --limit-burst 3")
    assert value == Limit(5000, 3)
    env = Env(now=100.0)
    skb = Skb(ip_packet())
    assert [ext.matches(value, skb, env) for _ in range(4)] == [True, True, True, False]
    env.now += 0.5  # one packet's worth of credit
    assert [ext.matches(value, skb, env) for _ in range(2)] == [True, False]
    env.now += 10  # refill is capped at the burst
    assert sum(ext.matches(value, skb, env) for _ in range(10)) == 3
    # another rule instance has its own bucket
    _, other = parsed_match("-m limit --limit 2/sec --limit-burst 3")
    assert ext.matches(other, skb, env)
