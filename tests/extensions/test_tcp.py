"""-m tcp: texts, errors, the nft backend's native form, evaluation."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.iptables.names import Names
from nflab.iptables.nft_native import nft_readback
from nflab.iptables.parse import parse_command
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import TCP, IPv4, Packet, TcpOption


def test_save_canonical_forms() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp --destination-port 80 --source-port 1024:")
    sh.ok("iptables -A INPUT -p tcp --syn")
    sh.ok("iptables -A INPUT -p tcp ! --tcp-flags SYN,ACK,FIN ACK,SYN ! --tcp-option 7")
    sh.ok("iptables -A INPUT -p tcp --sport ssh --tcp-flags ALL NONE")
    assert sh.rules()[-4:] == [
        "-A INPUT -p tcp -m tcp --sport 1024:65535 --dport 80",
        "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN",
        "-A INPUT -p tcp -m tcp ! --tcp-option 7 ! --tcp-flags FIN,SYN,ACK SYN,ACK",
        "-A INPUT -p tcp -m tcp --sport 22 --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE",
    ]


def test_list_numeric_and_named() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp --sport 1:2 ! --dport 22 --syn --tcp-option 5")
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith(
        "tcp spts:1:2 dpt:!22 option=5 flags:0x17/0x02"
    )
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(
        "tcp spts:tcpmux:2 dpt:!ssh option=5 flags:FIN,SYN,RST,ACK/SYN"
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("-p tcp --sport 65536", "invalid port/service `65536' specified"),
        ("-p tcp --dport 5:3", "invalid portrange (min > max)"),
        ("-p tcp --sport 1 --sport 2", "Only one `--source-port' allowed"),
        ("-p tcp --syn --tcp-flags ALL SYN", "Only one of `--syn' or `--tcp-flags'  allowed"),
        ("-p tcp --tcp-flags ALL", "--tcp-flags requires two args."),
        ("-p tcp --tcp-flags FOO SYN", "Unknown TCP flag `FOO'"),
        ("-p tcp --tcp-option 0", 'Bad TCP option "0"'),
    ],
)
def test_parse_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT {rule}")
    assert result.status == 2
    assert result.err.splitlines()[0] == f"iptables v1.8.9 (nf_tables): {message}"


def test_repeated_matches_merge_on_nft_only() -> None:
    sh = Shell()
    for prog in ("iptables", "iptables-legacy"):
        sh.ok(f"{prog} -A INPUT -p tcp -m tcp --dport 22 -m tcp --sport 1000")
        sh.ok(f"{prog} -A INPUT -p tcp --syn -m tcp --dport 22")
        sh.ok(f"{prog} -A INPUT -p tcp -m tcp ! --sport : --dport 80")
        sh.ok(f"{prog} -A INPUT -p tcp ! --sport :1023")
    assert sh.rules()[-4:] == [
        "-A INPUT -p tcp -m tcp --sport 1000 --dport 22",
        "-A INPUT -p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN",
        "-A INPUT -p tcp -m tcp --dport 80",
        "-A INPUT -p tcp -m tcp --sport 1024:65535",
    ]
    assert sh.rules(flavour="iptables-legacy")[-4:] == [
        "-A INPUT -p tcp -m tcp --dport 22 -m tcp --sport 1000",
        "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m tcp --dport 22",
        "-A INPUT -p tcp -m tcp --dport 80",  # a full range is not saved, even inverted
        "-A INPUT -p tcp -m tcp ! --sport 0:1023",
    ]
    # the nft backend compares rules in their stored form: both spellings delete
    sh.ok("iptables -D INPUT -p tcp -m tcp --dport 22 -m tcp --sport 1000")
    assert sh("iptables -D INPUT -p tcp -m tcp --sport 1000 --dport 22").status == 1


def test_nft_protocol_requirement() -> None:
    sh = Shell()
    assert sh("iptables -A INPUT -m tcp --dport 1").err.startswith(
        "iptables v1.8.9 (nf_tables): TCP match requires '-p tcp'"
    )
    legacy = sh("iptables-legacy -A INPUT -m tcp --dport 1")
    assert legacy.status == 1 and "Invalid argument" in legacy.err
    # a native match has no kernel checkentry; a bare -m tcp stays an xt match
    sh.ok("iptables -A INPUT ! -p tcp -m tcp --dport 1")
    assert sh("iptables -A INPUT ! -p tcp -m tcp").status == 4
    sh.ok("iptables -A INPUT -p tcp --tcp-option 2 -m tcp --sport 4")
    assert sh.rules()[-1] == "-A INPUT -p tcp -m tcp --tcp-option 2 -m tcp --sport 4"


def test_readback_keeps_option_matches_apart() -> None:
    cmd = parse_command(
        ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "1", "-m", "tcp", "--sport", "1:2",
         "-m", "tcp", "--sport", ":5"],
        Names(),
    )
    rule = nft_readback(cmd.rules[0])
    assert len(rule.matches) == 1
    assert rule.matches[0].value.spts == (1, 5)  # "<= 5" only replaces the upper bound
    assert rule.matches[0].value.dpts == (1, 1)


def _skb(sport: int = 1234, dport: int = 80, flags: int = 0x02, options=(), frag: int = 0) -> Skb:
    from ipaddress import IPv4Address

    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 6, frag_offset=frag)
    l4 = None if frag else TCP(sport, dport, flags=flags, options=tuple(options))
    return Skb(Packet(ip, l4))


def test_matches_ports_flags_and_options() -> None:
    ext, value = parsed_match("-p tcp --dport 80:90 ! --sport 1 --syn")
    assert ext.matches(value, _skb(), Env())
    assert not ext.matches(value, _skb(sport=1), Env())
    assert not ext.matches(value, _skb(dport=91), Env())
    assert not ext.matches(value, _skb(flags=0x12), Env())  # SYN+ACK
    ext, opt = parsed_match("-p tcp ! --tcp-option 2")
    assert ext.matches(opt, _skb(), Env())
    assert not ext.matches(opt, _skb(options=[TcpOption(2, b"\x05\xb4")]), Env())


def test_fragments() -> None:
    ext, value = parsed_match("-p tcp --dport 80")
    later = _skb(frag=5)
    assert not ext.matches(value, later, Env()) and not later.hotdrop
    evil = _skb(frag=1)
    assert not ext.matches(value, evil, Env()) and evil.hotdrop
    assert ext.matches(value, Skb(ip_packet(dport=80)), Env())


def test_hotdrop_drops_the_packet() -> None:
    from nflab.netfilter.engine import run_chain
    from nflab.netfilter.skb import XtVerdict

    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp --dport 80 -j DROP")
    table = sh.host.netfilter.nft.view("filter")
    # a first fragment with offset 1 could rewrite the flags: dropped before any policy
    assert run_chain(table, "INPUT", _skb(frag=1), Env()) is XtVerdict.DROP
    assert run_chain(table, "INPUT", _skb(frag=5), Env()) is XtVerdict.ACCEPT
    assert sh.ok("iptables -nvL INPUT").splitlines()[2].split()[0] == "0"
