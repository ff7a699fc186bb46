"""-m icmp: type names, prefixes, numeric forms, listing, evaluation."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell, parsed_match
from nflab.extensions.icmp import icmp_types_help, parse_icmp_type
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import ICMP, IPv4, Packet


@pytest.mark.parametrize(
    ("given", "parsed"),
    [("echo-request", (8, (0, 255))), ("PING", (8, (0, 255))), ("port-unr", (3, (3, 3))),
     ("3/4:9", (3, (4, 9))), ("0x3/0x3", (3, (3, 3))), ("200", (200, (0, 255))), ("any", (255, (0, 255)))],
)
def test_parse(given: str, parsed: tuple) -> None:
    assert parse_icmp_type(given) == parsed


@pytest.mark.parametrize(
    ("given", "message"),
    [("echo", "Ambiguous ICMP type `echo': `echo-reply' or `echo-request'?"),
     ("", "Ambiguous ICMP type `': `any' or `echo-reply'?"),
     ("3:4", "ICMP type range not supported"), ("3/x", "Unknown ICMP code `3/x'"),
     ("3x", "unknown character x"), ("3/4x", "unknown character x"),
     ("256", "Unknown ICMP type `256'"), ("! 8", "Unknown ICMP type `!'")],  # "!" is the argument
)
def test_parse_errors(given: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -p icmp --icmp-type {given or repr('')}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_save_and_list() -> None:
    sh = Shell()
    for spec in ("echo-request", "! --icmp-type 8", "3/3", "3/4:9", "255/3", "200/0:0"):
        option = spec if spec.startswith("!") else f"--icmp-type {spec}"
        sh.ok(f"iptables -A INPUT -p icmp {option}")
    assert [line.split(" -m icmp")[1] for line in sh.rules()[-6:]] == [
        " --icmp-type 8", " ! --icmp-type 8", " --icmp-type 3/3", " --icmp-type 3/4",
        " --icmp-type any", " --icmp-type 200/0",
    ]
    named = [line.split("anywhere")[-1].strip() for line in sh.ok("iptables -L INPUT").splitlines()[2:]]
    assert named == ["icmp echo-request", "icmp !echo-request", "icmp port-unreachable",
                     "icmptype 3 codes 4-9", "icmptype 255 code 3", "icmptype 200 code 0"]
    numeric = sh.ok("iptables -nL INPUT").splitlines()
    assert numeric[2].endswith("icmptype 8") and numeric[3].endswith("icmp !type 8")
    assert "icmp: option \"--icmp-type\" must be specified" in sh("iptables -A INPUT -m icmp").err


def test_help_list_groups_codes_and_aliases() -> None:
    text = icmp_types_help()
    assert "\necho-reply (pong)\n" in text
    assert "\ndestination-unreachable\n   network-unreachable\n" in text


def _icmp(itype: int, code: int = 0) -> Skb:
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 1)
    return Skb(Packet(ip, ICMP(itype, code)))


def test_matches() -> None:
    ext, value = parsed_match("-p icmp --icmp-type port-unreachable")
    assert ext.matches(value, _icmp(3, 3), Env())
    assert not ext.matches(value, _icmp(3, 1), Env())
    ext, anything = parsed_match("-p icmp ! --icmp-type any")
    assert not ext.matches(anything, _icmp(8), Env())
    ext, echo = parsed_match("-p icmp ! --icmp-type echo-request")
    assert ext.matches(echo, _icmp(0), Env()) and not ext.matches(echo, _icmp(8), Env())
