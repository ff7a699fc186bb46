"""-m dccp: ports, types (INVALID covers 10-15), option, evaluation."""

import struct
from ipaddress import IPv4Address

from helpers import Shell, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import IPv4, Packet


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p dccp --sport 1 ! --dport 2:3 --dccp-types REQUEST,INVALID ! --dccp-option 4")
    sh.ok("iptables -A INPUT -p dccp --dccp-types ack,data --sport :")
    assert [r.split("-m dccp ")[1] for r in sh.rules()[-2:]] == [
        "--sport 1 ! --dport 2:3 --dccp-types REQUEST,INVALID ! --dccp-option 4",
        "--sport 0:65535 --dccp-types DATA,ACK",
    ]
    assert sh.ok("iptables -L INPUT").splitlines()[2].endswith(
        "dccp spt:1 dpts:!2:3 REQUEST,INVALID option=!4"
    )
    numeric = sh.ok("iptables -nL INPUT").splitlines()
    assert numeric[2].endswith("dccp spt:1 dpts:!2:3 0,10,11,12,13,14,15 option=!4")
    assert numeric[3].endswith("dccp 2,3")
    assert "Unknown DCCP type `FOO'" in sh("iptables -A INPUT -p dccp --dccp-types FOO").err
    assert "out of range (1-255)" in sh("iptables -A INPUT -p dccp --dccp-option 0").err


def _dccp(dport: int, ptype: int, options: bytes = b"") -> Skb:
    extra = 8 if ptype in (3, 4) else 0
    doff = (12 + extra + len(options)) // 4
    header = struct.pack("!HHBBHB", 5000, dport, doff, 0, 0, ptype << 1) + bytes(3 + extra)
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 33)
    return Skb(Packet(ip, None, header + options))


def test_matches() -> None:
    ext, value = parsed_match("-p dccp --dport 9 --dccp-types ACK,DATAACK")
    assert ext.matches(value, _dccp(9, 3), Env())
    assert not ext.matches(value, _dccp(9, 2), Env())
    assert not ext.matches(value, _dccp(8, 3), Env())
    ext, opt = parsed_match("-p dccp --dccp-option 32")
    assert ext.matches(opt, _dccp(9, 3, bytes([32, 3, 0, 0])), Env())
    assert not ext.matches(opt, _dccp(9, 3, bytes([33, 3, 0, 0])), Env())
    assert not ext.matches(opt, _dccp(9, 2), Env())
