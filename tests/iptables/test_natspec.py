"""The NAT targets' range grammar (libxt_NAT.c ``parse_to``/``parse_ports``/``sprint_range``)."""

from ipaddress import IPv4Address

import pytest

from nflab.iptables.errors import ParameterProblem
from nflab.iptables.names import Names
from nflab.iptables.natspec import inet_pton4, nat_text, parse_ports, parse_to, range_text
from nflab.netfilter.natrange import NatFlag, NatRange

A = IPv4Address
NAMES = Names()
IPS, PORTS, OFFSET = NatFlag.MAP_IPS, NatFlag.PROTO_SPECIFIED, NatFlag.PROTO_OFFSET


def to(text: str, portok: bool = True) -> NatRange:
    return parse_to(text, portok, NAMES, NatRange())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3.4", NatRange(IPS, A("1.2.3.4"), A("1.2.3.4"))),
        ("1.2.3.4-1.2.3.9", NatRange(IPS, A("1.2.3.4"), A("1.2.3.9"))),
        ("1.2.3.9-1.2.3.4", NatRange(IPS, A("1.2.3.9"), A("1.2.3.4"))),
        ("1.2.3.4:80", NatRange(IPS | PORTS, A("1.2.3.4"), A("1.2.3.4"), 80, 80)),
        ("1.2.3.4:ssh", NatRange(IPS | PORTS, A("1.2.3.4"), A("1.2.3.4"), 22, 22)),
        ("1.2.3.4:0x50", NatRange(IPS | PORTS, A("1.2.3.4"), A("1.2.3.4"), 80, 80)),
        (":8080", NatRange(PORTS, min_proto=8080, max_proto=8080)),
        ("10:8080", NatRange(PORTS, min_proto=8080, max_proto=8080)),  # "[]:port" test
        ("1.2.3.4:10-20/ftp", NatRange(IPS | PORTS | OFFSET, A("1.2.3.4"), A("1.2.3.4"), 10, 20, 21)),
        ("1.2.3.4:10-20/7x", NatRange(IPS | PORTS | OFFSET, A("1.2.3.4"), A("1.2.3.4"), 10, 20, 7)),
    ],
)
def test_parse_to(text: str, expected: NatRange) -> None:
    assert to(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.2.3.4:80", "Need TCP, UDP, SCTP or DCCP with port specification"),
    ],
)
def test_ports_need_a_protocol(text: str, message: str) -> None:
    with pytest.raises(ParameterProblem) as err:
        to(text, portok=False)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.2.3", 'Bad IP address "1.2.3"'),
        ("01.2.3.4", 'Bad IP address "01.2.3.4"'),
        ("", 'Bad IP address ""'),
        ("1.2.3.4-x", 'Bad IP address "x"'),
        ("1.2.3.4:80:90", 'Bad IP address "1.2.3.4:80:90"'),
        ("[1.2.3.4]:80", "Invalid address format"),
        ("1.2.3.4:80x", "Garbage after port value: `x'"),
        ("1.2.3.4:65536", "Port `65536' not valid"),
        ("1.2.3.4:echo-ssh", "Port `echo-ssh' not valid"),
        ("1.2.3.4:10-ssh", "Port `ssh' not valid"),
        ("1.2.3.4:90-80", "Port range `80' funky"),
        ("1.2.3.4:80-90x", "Garbage after port range: `x'"),
        ("1.2.3.4:80-90/0", "Port `0' not valid"),
        ("1.2.3.4:80-90/65536", "Port `65536' not valid"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ParameterProblem) as err:
        to(text)
    assert err.value.message == message


def test_ports_alone() -> None:
    assert parse_ports("1024-65535", True, NAMES, NatRange()) == NatRange(
        PORTS, min_proto=1024, max_proto=65535
    )
    with pytest.raises(ParameterProblem, match="Port `-1' not valid"):
        parse_ports("-1", True, NAMES, NatRange())
    with pytest.raises(ParameterProblem, match="Invalid port:port syntax - use dash"):
        parse_ports("1:2", True, NAMES, NatRange())


def test_inet_pton4() -> None:
    assert inet_pton4("255.255.255.255") == A("255.255.255.255")
    for bad in ("256.0.0.1", "1.2.3.4.5", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4"):
        assert inet_pton4(bad) is None


def test_texts() -> None:
    rng = NatRange(IPS | PORTS | OFFSET | NatFlag.PROTO_RANDOM | NatFlag.PERSISTENT,
                   A("10.0.0.1"), A("10.0.0.5"), 1000, 2000, 1500)
    assert range_text(rng) == "10.0.0.1-10.0.0.5:1000-2000/1500"
    assert nat_text(rng, "--to-destination ", "--", False) == (
        " --to-destination 10.0.0.1-10.0.0.5:1000-2000/1500 --random --persistent"
    )
    ports = NatRange(PORTS | NatFlag.PROTO_RANDOM_FULLY, min_proto=5, max_proto=5)
    assert nat_text(ports, "masq ports: ", "", True) == " masq ports: 5 random-fully"
    assert nat_text(ports, "to:", "", False) == " to::5 random-fully"
    assert nat_text(NatRange(), "to:", "", False) == ""
