"""-j REDIRECT: texts, the shifted-map refusal, where it redirects to."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.natrange import Manip
from nflab.netfilter.skb import Env, Skb, XtVerdict

A = IPv4Address


@pytest.mark.parametrize(
    ("rule", "saved", "listed"),
    [
        ("-p tcp -j REDIRECT --to-port 3128", "-p tcp -j REDIRECT --to-ports 3128", "redir ports 3128"),
        ("-p udp -j REDIRECT --to-ports 512-512", "-p udp -j REDIRECT --to-ports 512", "redir ports 512"),
        ("-p tcp -j REDIRECT --to-ports 1-ftp --random", None, None),
        ("-p tcp -j REDIRECT --to-ports 3128-3130 --random", "-p tcp -j REDIRECT --to-ports 3128-3130 --random",
         "redir ports 3128-3130 random"),
        ("-j REDIRECT", "-j REDIRECT", "anywhere            "),
    ],
)
def test_texts(rule: str, saved: str | None, listed: str | None) -> None:
    sh = Shell()
    result = sh(f"iptables -t nat -A OUTPUT {rule}")
    if saved is None:
        assert result.status == 2 and "Port `ftp' not valid" in result.err
        return
    assert sh.rules("nat")[-1] == f"-A OUTPUT {saved}"
    assert sh.ok("iptables -t nat -L OUTPUT").splitlines()[-1].endswith(listed)


def test_shifted_ranges_are_refused() -> None:
    result = Shell()("iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 42-1234/567")
    assert result.err.splitlines()[0].endswith("Shifted portmap ranges not supported with this kernel")


def test_hooks() -> None:
    sh = Shell()
    for chain in ("INPUT", "POSTROUTING"):
        assert sh(f"iptables -t nat -A {chain} -j REDIRECT").status == 4
        assert sh(f"iptables-legacy -t nat -A {chain} -j REDIRECT").status == 1
    assert sh("iptables -t filter -A INPUT -j REDIRECT").status == 4


def test_local_packets_go_to_loopback() -> None:
    ext, value = parsed_target("-p tcp -j REDIRECT --to-ports 3128", "nat", "OUTPUT")
    skb = Skb(ip_packet(dport=80), hook="OUTPUT")
    assert ext.target(value, skb, Env()) is XtVerdict.ACCEPT
    assert skb.nat.manip is Manip.DST
    assert (skb.nat.new.dst, skb.nat.new.dport) == (A("127.0.0.1"), 3128)


def test_incoming_packets_go_to_the_device_address() -> None:
    ext, value = parsed_target("-j REDIRECT", "nat", "PREROUTING")
    env = Env(iface_first_address=lambda dev: A("10.1.1.1") if dev == "eth1" else None)
    skb = Skb(ip_packet(dport=80), hook="PREROUTING", in_iface="eth1")
    ext.target(value, skb, env)
    assert (skb.nat.new.dst, skb.nat.new.dport) == (A("10.1.1.1"), 80)
    orphan = Skb(ip_packet(), hook="PREROUTING", in_iface="eth9")
    assert ext.target(value, orphan, env) is XtVerdict.DROP and orphan.nat is None
