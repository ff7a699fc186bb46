"""-j NETMAP: prefix forms, hooks, the 1:1 address mapping."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.natrange import Manip
from nflab.netfilter.skb import Env, Skb

A = IPv4Address


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("1.2.3.4", "1.2.3.4/32"),
        ("1.2.3.4/24", "1.2.3.0/24"),
        ("10.1.2.3/255.255.0.0", "10.1.0.0/16"),
        ("10.1.2.3/255.0.255.0", "10.1.2.3/32"),  # a mask with holes leaves all bits
        ("10.1.2.3/0", "0.0.0.0/0"),
        ("localhost/8", "127.0.0.0/8"),
    ],
)
def test_texts(given: str, shown: str) -> None:
    sh = Shell()
    sh.ok(f"iptables -t nat -A PREROUTING -j NETMAP --to {given}")
    assert sh.rules("nat")[-1] == f"-A PREROUTING -j NETMAP --to {shown}"
    assert sh.ok("iptables -t nat -L PREROUTING").splitlines()[-1].endswith(f"to:{shown}")


def test_errors_and_hooks() -> None:
    sh = Shell()
    assert 'NETMAP: option "--to" must be specified' in sh("iptables -t nat -A INPUT -j NETMAP").err
    bad = sh("iptables -t nat -A INPUT -j NETMAP --to 1.2.3.4/foo")
    assert bad.err.splitlines()[0].endswith(
        'NETMAP: bad value for option "--to", neither a valid network mask nor valid CIDR (0-32).'
    )
    for chain in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"):
        sh.ok(f"iptables -t nat -A {chain} -j NETMAP --to 10.0.0.0/8")
    assert sh("iptables -t mangle -A INPUT -j NETMAP --to 10.0.0.0/8").status == 4


@pytest.mark.parametrize(
    ("hook", "manip", "field", "expected"),
    [
        ("PREROUTING", Manip.DST, "dst", "10.99.0.77"),
        ("OUTPUT", Manip.DST, "dst", "10.99.0.77"),
        ("POSTROUTING", Manip.SRC, "src", "10.99.0.5"),
        ("INPUT", Manip.SRC, "src", "10.99.0.5"),
    ],
)
def test_mapping_keeps_the_host_part(hook: str, manip: Manip, field: str, expected: str) -> None:
    ext, value = parsed_target("-j NETMAP --to 10.99.0.0/16", "nat", hook)
    skb = Skb(ip_packet("192.168.0.5", "172.16.0.77"), hook=hook)
    ext.target(value, skb, Env())
    assert skb.nat.manip is manip
    assert getattr(skb.nat.new, field) == A(expected)
