"""-m tos, -m ttl, -m dscp, -m ecn: texts and evaluation on the IPv4/TCP header values."""

from dataclasses import replace

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import TcpFlags


def _skb(tos: int = 0, ttl: int = 64, flags: int = 0) -> Skb:
    packet = ip_packet()
    assert packet.tcp is not None
    return Skb(
        replace(
            packet, ip=replace(packet.ip, tos=tos, ttl=ttl), l4=replace(packet.tcp, flags=flags)
        )
    )


def _listed(rule: str, numeric: bool) -> str:
    sh = Shell()
    sh.ok(f"iptables -A INPUT {rule}")
    return sh.ok(f"iptables {'-n' if numeric else ''} -L INPUT").splitlines()[-1]


@pytest.mark.parametrize(
    ("rule", "saved", "named", "numeric"),
    [
        (
            "-m tos --tos Minimize-Delay",
            "-m tos --tos 0x10/0x3f",
            "tos match Minimize-Delay",
            "tos match0x10/0x3f",
        ),
        (
            "-m tos ! --tos 0x10/0x3f",
            "-m tos ! --tos 0x10/0x3f",
            "tos match! Minimize-Delay",
            "tos match!0x10/0x3f",
        ),
        ("-m tos --tos 0x10", "-m tos --tos 0x10/0xff", "tos match0x10/0xff", "tos match0x10/0xff"),
        ("-m ttl ! --ttl 5", "-m ttl ! --ttl-eq 5", "TTL match TTL != 5", "TTL match TTL != 5"),
        ("-m ttl --ttl-lt 5", "-m ttl --ttl-lt 5", "TTL match TTL < 5", "TTL match TTL < 5"),
        (
            "-m dscp ! --dscp-class af41x",
            "-m dscp ! --dscp 0x22",
            "DSCP match !0x22",
            "DSCP match !0x22",
        ),
        (
            "-p tcp -m ecn ! --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 3",
            "-p tcp -m ecn ! --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 3",
            "ECN match !ECE CWR ECT=3",
            "ECN match !ECE CWR ECT=3",
        ),
    ],
)
def test_texts(rule: str, saved: str, named: str, numeric: str) -> None:
    sh = Shell()
    sh.ok(f"iptables-legacy -A INPUT {rule}")
    assert sh.rules(flavour="iptables-legacy")[-1] == f"-A INPUT {saved}"
    assert _listed(rule, False).endswith(named)
    assert _listed(rule, True).endswith(numeric)


@pytest.mark.parametrize(
    ("rule", "status", "message"),
    [
        ("-m tos --tos wrong", 2, 'Symbolic name "wrong" is unknown'),
        ("-m tos", 2, 'tos: option "--tos" must be specified'),
        ("-m ttl", 2, "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt"),
        (
            "-m ttl --ttl-gt 5 --ttl-lt 3",
            2,
            'ttl: option "--ttl-lt" cannot be used together with "--ttl-gt".',
        ),
        (
            "-m ttl --ttl-eq 256",
            2,
            'ttl: bad value for option "--ttl-eq", or out of range (0-255).',
        ),
        ("-m dscp --dscp 0x40", 2, 'dscp: bad value for option "--dscp", or out of range (0-63).'),
        ("-m dscp --dscp-class XX", 2, "Invalid DSCP value `XX'"),
        ("-m dscp", 2, "DSCP match: Parameter --dscp is required"),
        ("-m ecn", 2, "ECN match: some option required"),
        ("-m ecn --ecn-tcp-cwr", 4, "RULE_APPEND failed (Invalid argument)"),
        ("! -p tcp -m ecn --ecn-tcp-ece", 4, "RULE_APPEND failed (Invalid argument)"),
    ],
)
def test_errors(rule: str, status: int, message: str) -> None:
    result = Shell()(f"iptables -A INPUT {rule}")
    assert result.status == status and message in result.err.splitlines()[0]


def test_ecn_ip_only_needs_no_protocol() -> None:
    Shell().ok("iptables -A INPUT -m ecn --ecn-ip-ect 1")


def test_tos_and_dscp_evaluation() -> None:
    env = Env()
    ext, value = parsed_match("-m tos --tos Minimize-Delay")
    assert ext.matches(value, _skb(tos=0x10 | 0xC0), env)  # the 0x3f mask ignores the top bits
    assert not ext.matches(value, _skb(tos=0x11), env)
    ext, dscp = parsed_match("-m dscp --dscp-class EF")
    assert ext.matches(dscp, _skb(tos=0x2E << 2 | 1), env)
    _, not_ef = parsed_match("-m dscp ! --dscp-class EF")
    assert ext.matches(not_ef, _skb(tos=0), env)


@pytest.mark.parametrize(
    ("rule", "matching", "other"),
    [
        ("--ttl-eq 64", 64, 63),
        ("! --ttl-eq 64", 63, 64),
        ("--ttl-lt 10", 9, 10),
        ("--ttl-gt 10", 11, 10),
    ],
)
def test_ttl_evaluation(rule: str, matching: int, other: int) -> None:
    ext, value = parsed_match(f"-m ttl {rule}")
    assert ext.matches(value, _skb(ttl=matching), Env())
    assert not ext.matches(value, _skb(ttl=other), Env())


def test_ecn_evaluation() -> None:
    env = Env()
    ext, value = parsed_match("-p tcp -m ecn --ecn-tcp-ece ! --ecn-tcp-cwr --ecn-ip-ect 2", index=0)
    assert ext.name == "ecn"
    assert ext.matches(value, _skb(tos=2, flags=TcpFlags.ECE), env)
    assert not ext.matches(value, _skb(tos=2, flags=TcpFlags.ECE | TcpFlags.CWR), env)
    assert not ext.matches(value, _skb(tos=3, flags=TcpFlags.ECE), env)
    assert not ext.matches(value, _skb(tos=2), env)
    _, not_ce = parsed_match("-m ecn ! --ecn-ip-ect 3")
    assert ext.matches(not_ce, _skb(tos=1), env) and not ext.matches(not_ce, _skb(tos=3), env)
