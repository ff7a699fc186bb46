"""-j RATEEST: time parsing, interval/ewmalog selection, the estimator it feeds."""

from helpers import Shell, ip_packet, parsed_target
from nflab.extensions.rateest_target import Rateest, parse_time
from nflab.netfilter.estimator import RateEstimator
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok(
        "iptables -A INPUT -j RATEEST --rateest-name RE2 --rateest-interval 1s --rateest-ewmalog 8s"
    )
    assert sh.rules()[-1] == (
        "-A INPUT -j RATEEST --rateest-name RE2 --rateest-interval 1.0s --rateest-ewmalog 8.0s"
    )
    assert (
        sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("name RE2 interval 1.0s ewmalog 8.0s")
    )
    assert parsed_target(
        "-j RATEEST --rateest-name a --rateest-interval 250.0ms --rateest-ewmalog 500.0ms"
    )[1] == Rateest("a", -2, 1)


def test_errors() -> None:
    sh = Shell()
    base = "iptables -A INPUT -j RATEEST --rateest-name x"
    assert (
        "RATEEST: interval value is too large"
        in sh(f"{base} --rateest-interval 9s --rateest-ewmalog 8s").err
    )
    assert (
        "RATEEST: ewmalog value is out of range"
        in sh(f"{base} --rateest-interval 1s --rateest-ewmalog 1s").err
    )
    assert (
        'RATEEST: bad interval value "1x"'
        in sh(f"{base} --rateest-interval 1x --rateest-ewmalog 8s").err
    )
    assert parse_time("2SEC") == 2_000_000 and parse_time("100") == 100 and parse_time("x") is None


def test_feeds_named_estimator() -> None:
    ext, value = parsed_target(
        "-j RATEEST --rateest-name RE --rateest-interval 1s --rateest-ewmalog 4s"
    )
    env = Env()
    packet = ip_packet(payload=b"x" * 960)  # 1000 bytes on the wire
    for tick in range(40):
        env.now = tick * 0.1
        ext.target(value, Skb(packet), env)
    est: RateEstimator = env.services["rateest"]["RE"]
    assert est.packets == 40 and est.bytes == 40_000
    bps, pps = est.rates(4.0)
    assert 0 < bps <= 10_000 and 0 < pps <= 10  # converging towards 10 kB/s, 10 packets/s
