"""-j DNAT (revision 2): texts, the protocol/port rule, hooks, the binding it records."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.natrange import Manip, NatFlag
from nflab.netfilter.skb import Env, Skb, XtVerdict

A = IPv4Address


@pytest.mark.parametrize(
    ("rule", "saved", "listed"),
    [
        ("-j DNAT --to 10.0.0.1", "-j DNAT --to-destination 10.0.0.1", "to:10.0.0.1"),
        ("-p tcp -j DNAT --to-destination 10.0.0.1:http", "-p tcp -j DNAT --to-destination 10.0.0.1:80",
         "to:10.0.0.1:80"),
        ("-p udp -j DNAT --to-destination 10.0.0.1-10.0.0.9:1000-2000/1500 --persistent --random",
         "-p udp -j DNAT --to-destination 10.0.0.1-10.0.0.9:1000-2000/1500 --random --persistent",
         "to:10.0.0.1-10.0.0.9:1000-2000/1500 random persistent"),
        ("-p tcp -j DNAT --to-destination :8080", "-p tcp -j DNAT --to-destination :8080", "to::8080"),
        ("-p icmp -j DNAT --to-destination 10.0.0.1:5-6", "-p icmp -j DNAT --to-destination 10.0.0.1:5-6",
         "to:10.0.0.1:5-6"),
    ],
)
def test_texts(rule: str, saved: str, listed: str) -> None:
    sh = Shell()
    sh.ok(f"iptables -t nat -A PREROUTING {rule}")
    assert sh.rules("nat")[-1] == f"-A PREROUTING {saved}"
    assert sh.ok("iptables -t nat -nL PREROUTING").splitlines()[-1].endswith(listed)
    sh.ok(f"iptables -t nat -D PREROUTING {rule}")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("-j DNAT", 'DNAT: option "--to-destination" must be specified'),
        ("-j DNAT --to-destination 1.1.1.1:80", "Need TCP, UDP, SCTP or DCCP with port specification"),
        ("-j DNAT --to-destination 1.1.1.1:80 -p tcp", "Need TCP, UDP, SCTP or DCCP with port specification"),
        ("-j DNAT --to-destination 1.1.1.1 --to-destination 2.2.2.2",
         'DNAT: option "--to-destination" can only be used once.'),
        ("-j DNAT --to-destination 1.1.1.1 --random-fully", 'unknown option "--random-fully"'),
        ("-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/0", "Port `0' not valid"),
    ],
)
def test_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -t nat -A PREROUTING {rule}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_hooks() -> None:
    sh = Shell()
    sh.ok("iptables -t nat -A OUTPUT -j DNAT --to-destination 10.0.0.1")
    for chain in ("INPUT", "POSTROUTING"):
        result = sh(f"iptables -t nat -A {chain} -j DNAT --to-destination 10.0.0.1")
        assert result.status == 4 and f"rule in chain {chain}" in result.err
    assert sh("iptables-legacy -A INPUT -j DNAT --to-destination 10.0.0.1").status == 1
    sh.ok("iptables -t nat -N web")
    sh.ok("iptables -t nat -A web -j DNAT --to-destination 10.0.0.1")
    assert sh("iptables -t nat -A POSTROUTING -j web").status == 4
    sh.ok("iptables -t nat -A PREROUTING -j web")


def test_binding() -> None:
    ext, value = parsed_target("-p tcp -j DNAT --to-destination 10.0.0.9:8080", "nat", "PREROUTING")
    assert value.flags == NatFlag.MAP_IPS | NatFlag.PROTO_SPECIFIED
    skb = Skb(ip_packet("192.0.2.1", "203.0.113.1", 5555, 80), hook="PREROUTING")
    assert ext.target(value, skb, Env()) is XtVerdict.ACCEPT
    assert skb.nat.manip is Manip.DST
    assert (skb.nat.new.dst, skb.nat.new.dport) == (A("10.0.0.9"), 8080)
    assert (skb.nat.new.src, skb.nat.new.sport) == (A("192.0.2.1"), 5555)
