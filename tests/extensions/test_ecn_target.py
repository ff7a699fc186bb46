"""-j ECN: operations, the TCP-only kernel check, header rewrite."""

from dataclasses import replace

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import TcpFlags


def test_texts_and_checks() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A POSTROUTING -p tcp -j ECN --ecn-tcp-remove")
    sh.ok(
        "iptables -t mangle -A POSTROUTING -p tcp -j ECN --ecn-tcp-ece 0 --ecn-tcp-cwr 1 --ecn-ip-ect 2"
    )
    sh.ok("iptables -t mangle -A POSTROUTING -p tcp -j ECN --ecn-ip-ect 1 --ecn-tcp-remove")
    assert [line.split("-j ECN ")[1] for line in sh.rules("mangle")[5:]] == [
        "--ecn-tcp-remove",
        "--ecn-tcp-ece 0 --ecn-tcp-cwr 1 --ecn-ip-ect 2",
        "--ecn-tcp-remove",
    ]
    rows = sh.ok("iptables -t mangle -nL POSTROUTING").splitlines()[2:]
    assert rows[0].endswith("ECN TCP remove") and rows[1].endswith(
        "ECN ECE=0 CWR=1 ECT codepoint=2"
    )
    assert (
        "ECN target: An operation is required"
        in sh("iptables -t mangle -A OUTPUT -p tcp -j ECN").err
    )
    assert "Invalid argument" in sh("iptables -t mangle -A OUTPUT -j ECN --ecn-tcp-remove").err
    sh.ok("iptables -t mangle -A OUTPUT -j ECN --ecn-ip-ect 3")


def test_rewrites() -> None:
    ext, value = parsed_target("-p tcp -j ECN --ecn-ip-ect 1 --ecn-tcp-remove", "mangle", "OUTPUT")
    packet = ip_packet()
    assert packet.tcp is not None
    packet = replace(
        packet,
        ip=replace(packet.ip, tos=0x12),
        l4=replace(packet.tcp, flags=TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR),
    )
    skb = Skb(packet)
    ext.target(value, skb, Env())
    assert skb.packet.tcp is not None and skb.packet.tcp.flags == TcpFlags.SYN
    assert skb.packet.ip.tos == 0x12  # --ecn-tcp-remove after --ecn-ip-ect drops the IP part
    _, ect = parsed_target("-j ECN --ecn-ip-ect 1", "mangle", "OUTPUT")
    ext.target(ect, skb, Env())
    assert skb.packet.ip.tos == 0x11
