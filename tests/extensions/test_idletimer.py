"""-j IDLETIMER: texts, label truncation, kernel limits, the timer."""

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb


def test_texts_and_checks() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j IDLETIMER --timeout 42 --label bar --alarm")
    sh.ok("iptables -A INPUT -j IDLETIMER --timeout 1 --label abcdefghijklmnopqrstuvwxyz0123456789")
    assert sh.rules()[-2:] == [
        "-A INPUT -j IDLETIMER --timeout 42 --label bar --alarm",
        "-A INPUT -j IDLETIMER --timeout 1 --label abcdefghijklmnopqrstuvwxyz0",
    ]
    assert sh.ok("iptables -nL INPUT").splitlines()[2].endswith("timeout:42 label:bar alarm")
    for bad in (
        "--timeout 0 --label a",
        "--timeout 2147483 --label a",
        "--timeout 5 --label power",
        "--timeout 5 --label ''",
    ):
        assert "Invalid argument" in sh(f"iptables -A INPUT -j IDLETIMER {bad}").err
    assert (
        'IDLETIMER: option "--label" must be specified'
        in sh("iptables -A INPUT -j IDLETIMER --timeout 4").err
    )


def test_restarts_timer() -> None:
    ext, value = parsed_target("-j IDLETIMER --timeout 30 --label lan")
    env = Env(now=100.0)
    ext.target(value, Skb(ip_packet()), env)
    env.now = 110.0
    ext.target(value, Skb(ip_packet()), env)
    assert env.services["idletimer"] == {"lan": 140.0}
