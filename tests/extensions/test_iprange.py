"""-m iprange: numeric ranges, the reversed-range warning, evaluation."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 1.2.3.4")
    sh.ok("iptables -A INPUT -m iprange --src-range 10.1-10.2.3")
    assert sh.rules()[-2:] == [
        "-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 1.2.3.4-1.2.3.4",
        "-A INPUT -m iprange --src-range 10.1.0.0-10.2.3.0",
    ]
    assert sh.ok("iptables -L INPUT").splitlines()[2].endswith(
        "source IP range 10.0.0.1-10.0.0.9 destination IP range ! 1.2.3.4-1.2.3.4"
    )


def test_messages() -> None:
    sh = Shell()
    reversed_range = sh("iptables -A INPUT -m iprange --src-range 10.0.0.9-10.0.0.1")
    assert reversed_range.status == 0
    assert reversed_range.err == "xt_iprange: range 10.0.0.9-10.0.0.1 is reversed and will never match\n"
    assert 'iprange: Bad value for "--src-range" option: "foo"' in sh(
        "iptables -A INPUT -m iprange --src-range 1.2.3.4-foo"
    ).err
    assert "You must specify `--src-range' or `--dst-range'" in sh("iptables -A INPUT -m iprange").err


def test_matches() -> None:
    ext, value = parsed_match("-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 10.0.1.0-10.0.1.255")
    assert ext.matches(value, Skb(ip_packet(src="10.0.0.9", dst="10.0.2.1")), Env())
    assert not ext.matches(value, Skb(ip_packet(src="10.0.0.10", dst="10.0.2.1")), Env())
    assert not ext.matches(value, Skb(ip_packet(src="10.0.0.1", dst="10.0.1.7")), Env())
