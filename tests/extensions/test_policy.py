"""-m policy: elements, checks, texts; without IPsec only --pol none matches."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_elements_saved_and_listed() -> None:
    sh = Shell()
    sh.ok(
        "iptables -A FORWARD -m policy --dir in --pol ipsec --strict --proto 50 --reqid 1"
        " --mode tunnel --tunnel-src 10.1.2.3/8 --next ! --spi 0x10"
    )
    assert sh.rules()[-1] == (
        "-A FORWARD -m policy --dir in --pol ipsec --strict --reqid 1 --proto esp --mode tunnel"
        " --tunnel-src 10.1.2.3/8 --next ! --spi 0x10"
    )
    assert sh.ok("iptables -nL FORWARD").splitlines()[-1].endswith(
        "policy match dir in pol ipsec strict [0] reqid 1 proto 50 mode tunnel"
        " tunnel-src 10.1.2.3/8 [1] ! spi 0x10"
    )


def test_checks() -> None:
    sh = Shell()
    assert "neither --dir in nor --dir out specified" in sh("iptables -A FORWARD -m policy").err
    assert "policy none but --strict given" in sh(
        "iptables -A FORWARD -m policy --dir in --pol none --strict"
    ).err
    assert "is only valid in tunnel mode" in sh(
        "iptables -A FORWARD -m policy --dir in --tunnel-dst 10.0.0.1"
    ).err
    assert "protocol must be ah/esp/ipcomp" in sh(
        "iptables -A FORWARD -m policy --dir in --proto tcp"
    ).err
    assert sh("iptables -A INPUT -m policy --dir out --pol none").status == 4
    assert sh("iptables -A OUTPUT -m policy --dir out --pol none").status == 0


def test_no_ipsec_so_only_pol_none_matches() -> None:
    ext, none = parsed_match("-m policy --dir in --pol none")
    _, ipsec = parsed_match("-m policy --dir in --pol ipsec")
    assert ext.matches(none, Skb(ip_packet()), Env())
    assert not ext.matches(ipsec, Skb(ip_packet()), Env())
