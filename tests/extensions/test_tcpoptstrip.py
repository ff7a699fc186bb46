"""-j TCPOPTSTRIP: option lists, names in -L, options overwritten by NOPs."""

from dataclasses import replace

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.extensions.tcpoptstrip import parse_option_list
from nflab.iptables.errors import ParameterProblem
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import TcpOption


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A INPUT -p tcp -j TCPOPTSTRIP")
    sh.ok("iptables -t mangle -A INPUT -p tcp -j TCPOPTSTRIP --strip-options mss,wscale,19,255")
    assert sh.rules("mangle")[-2:] == [
        "-A INPUT -p tcp -j TCPOPTSTRIP",
        "-A INPUT -p tcp -j TCPOPTSTRIP --strip-options 2,3,19,255",
    ]
    rows = sh.ok("iptables -t mangle -L INPUT").splitlines()[2:]
    assert rows[0].endswith("anywhere            ")  # an empty list prints nothing at all
    assert rows[1].endswith("TCPOPTSTRIP options mss,wscale,md5,255")
    assert "Invalid argument" in sh("iptables -t mangle -A INPUT -j TCPOPTSTRIP").err
    assert "Invalid argument" in sh("iptables -t raw -A OUTPUT -p tcp -j TCPOPTSTRIP").err


def test_list_errors() -> None:
    with pytest.raises(ParameterProblem, match="Option value may not be 0 or 1"):
        parse_option_list("2,1")
    with pytest.raises(ParameterProblem, match='Option "mss" already specified'):
        parse_option_list("2,mss")
    with pytest.raises(ParameterProblem, match='Bad TCP option value "MSS"'):
        parse_option_list("MSS")


def test_strips_to_nops() -> None:
    ext, value = parsed_target("-p tcp -j TCPOPTSTRIP --strip-options mss", "mangle")
    packet = ip_packet()
    assert packet.tcp is not None
    opts = (TcpOption(2, b"\x05\xb4"), TcpOption(4))
    skb = Skb(replace(packet, l4=replace(packet.tcp, options=opts)))
    ext.target(value, skb, Env())
    assert skb.packet.tcp is not None
    assert skb.packet.tcp.options == (TcpOption(1),) * 4 + (TcpOption(4),)
    assert skb.packet.length == packet.length + 8  # same bytes on the wire, padded as before
