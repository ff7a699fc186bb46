"""-m udp: the x6 port parser (getaddrinfo rules), texts, nft form, evaluation."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


@pytest.mark.parametrize(
    ("given", "saved"),
    [("010", "10"), (" 5", "5"), ("+5", "5"), ("70000", "4464"), ("domain:", "53:65535"),
     ("7:5", "7:5"), ("0:0", "0")],
)
def test_port_spellings(given: str, saved: str) -> None:
    sh = Shell()
    sh.ok(f"iptables -A INPUT -p udp --sport '{given}'")
    assert sh.rules()[-1] == f"-A INPUT -p udp -m udp --sport {saved}"


@pytest.mark.parametrize("given", ["-1", "0x10", "5 ", "nosuchservice", "1e2"])
def test_ports_that_do_not_resolve(given: str) -> None:
    result = Shell()(f"iptables -A INPUT -p udp --dport '{given}'")
    assert result.status == 2
    assert result.err.splitlines()[0].endswith(f'Port "{given}" does not resolve to anything.')


def test_messages_of_the_option_engine() -> None:
    sh = Shell()
    assert 'udp: option "--source-port" can only be used once.' in sh(
        "iptables -A INPUT -p udp --sport 1 --sport 2"
    ).err
    assert 'udp: Too many components for option "--source-port" (max: 2)' in sh(
        "iptables -A INPUT -p udp --sport 1:2:3"
    ).err
    assert "UDP match requires '-p udp'" in sh("iptables -A INPUT -m udp --dport 1").err


def test_texts_and_flavours() -> None:
    sh = Shell()
    for prog in ("iptables", "iptables-legacy"):
        sh.ok(f"{prog} -A INPUT -p udp --sport 53 --dport 1024:")
        sh.ok(f"{prog} -A INPUT -p udp -m udp ! --dport 80 -m udp --sport 99")
        sh.ok(f"{prog} -A INPUT -p udp ! --sport :")
    assert sh.rules()[-3:] == [
        "-A INPUT -p udp -m udp --sport 53 --dport 1024:65535",
        "-A INPUT -p udp -m udp --sport 99 ! --dport 80",
        "-A INPUT -p udp",
    ]
    assert sh.rules(flavour="iptables-legacy")[-3:] == [
        "-A INPUT -p udp -m udp --sport 53 --dport 1024:65535",
        "-A INPUT -p udp -m udp ! --dport 80 -m udp --sport 99",
        "-A INPUT -p udp -m udp",
    ]
    named = sh.ok("iptables-legacy -L INPUT").splitlines()
    assert named[2].endswith("udp spt:domain dpts:1024:65535")
    assert named[4].endswith("udp spts:!0:65535")
    assert sh.ok("iptables -nL INPUT").splitlines()[3].endswith("udp spt:99 dpt:!80")


def test_matches() -> None:
    ext, value = parsed_match("-p udp --dport 53 ! --sport 1:1023")
    assert ext.matches(value, Skb(ip_packet(sport=40000, dport=53, proto="udp")), Env())
    assert not ext.matches(value, Skb(ip_packet(sport=1000, dport=53, proto="udp")), Env())
    assert not ext.matches(value, Skb(ip_packet(sport=40000, dport=54, proto="udp")), Env())
    truncated = Skb(ip_packet(proto="other"))
    assert not ext.matches(value, truncated, Env()) and truncated.hotdrop
