"""-m multiport: port lists by protocol, limits, listing names, evaluation."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_save_and_list_by_protocol() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp -m multiport ! --dports http,https,8000:http-alt")
    sh.ok("iptables -A INPUT -p udp -m multiport --source-ports domain,0x10,010,20:21")
    assert sh.rules()[-2:] == [
        "-A INPUT -p tcp -m multiport ! --dports 80,443,8000:8080",
        "-A INPUT -p udp -m multiport --sports 53,16,8,20:21",
    ]
    named = sh.ok("iptables -L INPUT").splitlines()
    assert named[2].endswith("multiport dports  !http,https,8000:http-alt")
    assert named[3].endswith("multiport sports domain,16,8,20:fsp")
    assert sh.ok("iptables -nL INPUT").splitlines()[2].endswith("multiport dports  !80,443,8000:8080")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("-m multiport --dports 1", "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'"),
        ("! -p tcp -m multiport --dports 1", "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP"),
        ("-p icmp -m multiport --dports 1", "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP"),
        ("-p tcp -m multiport --dports 1:2:3", "invalid port/service `2:3' specified"),
        ("-p tcp -m multiport --dports 3:3", "invalid portrange specified"),
        ("-p udp -m multiport --dports http", "invalid port/service `http' specified"),
        ("-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16", "too many ports specified"),
        ("-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "too many ports specified"),
        ("-p tcp -m multiport --sports 1 --dports 2",
         'multiport: option "--source-ports" cannot be used together with "--destination-ports".'),
        ("-p tcp -m multiport --dports 1 --dports 2",
         'multiport: option "--destination-ports" can only be used once.'),
        ("-p tcp -m multiport", "multiport expection an option"),
    ],
)
def test_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT {rule}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_fifteen_slots() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp -m multiport --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15")
    assert sh.rules()[-1].endswith("--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15")


def test_matches() -> None:
    ext, value = parsed_match("-p tcp -m multiport --dports 22,8000:8080")
    assert ext.matches(value, Skb(ip_packet(dport=8042)), Env())
    assert not ext.matches(value, Skb(ip_packet(dport=80)), Env())
    ext, either = parsed_match("-p udp -m multiport ! --ports 53")
    assert not ext.matches(either, Skb(ip_packet(sport=53, dport=9, proto="udp")), Env())
    assert ext.matches(either, Skb(ip_packet(sport=5, dport=9, proto="udp")), Env())
