"""-m sctp: ports, chunk types with flags (and 1.8.9's index quirk), evaluation."""

import struct
from ipaddress import IPv4Address

import pytest

from helpers import Shell, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import IPv4, Packet


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p sctp --sport 1 --dport 80:90 --chunk-types any DATA:Be,INIT")
    sh.ok("iptables -A INPUT -p sctp ! --sport 0:65535 ! --chunk-types only ALL")
    sh.ok("iptables -A INPUT -p sctp --chunk-types all I_DATA:IU,ABORT:t,DATA:I,DATA:u")
    assert [r.split("-m sctp ")[1] for r in sh.rules()[-3:]] == [
        "--sport 1 --dport 80:90 --chunk-types any DATA:Be,INIT",
        "! --sport 0:65535 ! --chunk-types only ALL",
        # the I_DATA flags are filed under the name table index 15, a type never listed
        "--chunk-types all DATA:Iu,ABORT:t,I_DATA",
    ]
    named = sh.ok("iptables -L INPUT").splitlines()
    assert named[3].endswith("sctp spts:!0:65535 ! only ALL")
    numeric = sh.ok("iptables -nL INPUT").splitlines()
    assert numeric[2].endswith("sctp spt:1 dpts:80:90 any 0x0000:Be,0x0001")
    assert numeric[4].endswith("sctp all 0x0000:Iu,0x0006:t,0x0040")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("--chunk-types bogus DATA", 'Match type has to be one of "ALL", "ANY" or "ONLY"'),
        ("--chunk-types all DATA,ALL", "Unknown sctp chunk `ALL'"),
        ("--chunk-types all INIT:x", "Invalid flags for chunk type 1"),
        ("--chunk-types all", "--chunk-types requires two args"),
        ("--sport 5:3", "invalid portrange (min > max)"),
        ("--sport 65536", "invalid port/service `65536' specified"),
        ("--dport 1 --dport 2", "Only one `--destination-port' allowed"),
    ],
)
def test_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -p sctp {rule}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def _sctp(sport: int, dport: int, *chunks: tuple[int, int]) -> Skb:
    data = struct.pack("!HHII", sport, dport, 0, 0)
    for ctype, flags in chunks:
        data += struct.pack("!BBH", ctype, flags, 4)
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 132)
    return Skb(Packet(ip, None, data))


def test_matches_ports_and_chunks() -> None:
    ext, value = parsed_match("-p sctp --dport 80 --chunk-types all INIT,DATA:E")
    assert ext.matches(value, _sctp(1, 80, (1, 0), (0, 1)), Env())
    assert not ext.matches(value, _sctp(1, 80, (1, 0), (0, 0)), Env())  # DATA without E
    assert not ext.matches(value, _sctp(1, 81, (1, 0), (0, 1)), Env())
    ext, only = parsed_match("-p sctp --chunk-types only INIT")
    assert not ext.matches(only, _sctp(1, 2, (1, 0), (3, 0)), Env())
    ext, anyof = parsed_match("-p sctp ! --chunk-types any ABORT")
    assert ext.matches(anyof, _sctp(1, 2, (1, 0)), Env())
    truncated = _sctp(1, 2)
    assert not ext.matches(anyof, truncated, Env()) and truncated.hotdrop
