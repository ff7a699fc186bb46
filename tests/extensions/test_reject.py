"""-j REJECT: type names and aliases, the kernel's table/hook/protocol checks, the answers."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict
from nflab.packet.headers import TcpFlags

A = IPv4Address


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("", "icmp-port-unreachable"),
        ("--reject-with icmp-host-unreachable", "icmp-host-unreachable"),
        ("--reject-with host-prohib", "icmp-host-prohibited"),
        ("--reject-with ICMP-NET-PROHIBITED", "icmp-net-prohibited"),
        ("--reject-with icmp-a", "icmp-admin-prohibited"),  # a prefix is enough
        ("--reject-with icmp-", "icmp-net-unreachable"),  # the first one it fits
        ("--reject-with proto", "icmp-proto-unreachable"),
    ],
)
def test_types(given: str, canonical: str) -> None:
    sh = Shell()
    sh.ok(f"iptables -A INPUT -j REJECT {given}")
    assert sh.rules()[-1] == f"-A INPUT -j REJECT --reject-with {canonical}"
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(f"reject-with {canonical}")


def test_tcp_reset_needs_tcp() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp -j REJECT --reject-with tcp-rst")
    assert sh.rules()[-1] == "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"
    for flavour, status, text in (
        ("iptables", 4, "RULE_APPEND failed (Invalid argument): rule in chain INPUT"),
        ("iptables-legacy", 1, "iptables: Invalid argument. Run `dmesg' for more information."),
    ):
        for rule in ("-p udp", "! -p tcp", ""):
            result = sh(f"{flavour} -A INPUT {rule} -j REJECT --reject-with tcp-reset")
            assert result.status == status and text in result.err


def test_unknown_types() -> None:
    result = Shell()("iptables -A INPUT -j REJECT --reject-with bogus")
    assert result.status == 2
    assert result.err.splitlines()[0] == 'iptables v1.8.9 (nf_tables): unknown reject type "bogus"'
    echo = Shell()("iptables -A INPUT -j REJECT --reject-with echo")
    assert echo.err.splitlines()[:2] == [
        "--reject-with echo-reply no longer supported",
        'iptables v1.8.9 (nf_tables): unknown reject type "echo"',
    ]


@pytest.mark.parametrize("where", ["-t mangle -A INPUT", "-t raw -A PREROUTING", "-t security -A FORWARD"])
def test_filter_table_only(where: str) -> None:
    assert Shell()(f"iptables {where} -j REJECT").status == 4
    assert Shell()(f"iptables-legacy {where} -j REJECT").status == 1


def test_user_chain_reached_from_filter_hooks() -> None:
    sh = Shell()
    sh.ok("iptables -N r")
    sh.ok("iptables -A r -j REJECT")
    sh.ok("iptables -A FORWARD -j r")


def test_icmp_answer_and_drop() -> None:
    ext, value = parsed_target("-j REJECT --reject-with icmp-host-prohibited")
    env = Env(address_types=lambda addr, dev=None: "LOCAL" if str(addr) == "10.0.0.2" else "UNICAST")
    packet = ip_packet(proto="udp")
    assert ext.target(value, Skb(packet, hook="INPUT"), env) is XtVerdict.DROP
    ((kind, answer),) = env.events
    assert kind == "REJECT"
    assert (answer.ip.src, answer.ip.dst) == (A("10.0.0.2"), A("10.0.0.1"))
    assert (answer.icmp.type, answer.icmp.code, answer.icmp.quoted) == (3, 10, packet)


def test_input_packets_are_answered_from_their_destination() -> None:
    ext, value = parsed_target("-j REJECT")
    env = Env()
    ext.target(value, Skb(ip_packet(), hook="INPUT"), env)
    ((_, answer),) = env.events
    assert answer.ip.src == A("10.0.0.2")


def test_forwarded_answer_uses_the_route_source() -> None:
    ext, value = parsed_target("-j REJECT")
    env = Env(route_source=lambda addr: A("10.9.9.9"))
    ext.target(value, Skb(ip_packet(), hook="FORWARD"), env)
    ((_, answer),) = env.events
    assert answer.ip.src == A("10.9.9.9") and answer.icmp.code == 3


def test_reset_answer() -> None:
    ext, value = parsed_target("-p tcp -j REJECT --reject-with tcp-reset")
    env = Env(default_ttl=33)
    assert ext.target(value, Skb(ip_packet(), hook="INPUT"), env) is XtVerdict.DROP
    ((_, rst),) = env.events
    assert rst.tcp.flags == TcpFlags.RST | TcpFlags.ACK and rst.ip.ttl == 33
    broadcast = Env(address_types=lambda addr, dev=None: "BROADCAST")
    assert ext.target(value, Skb(ip_packet()), broadcast) is XtVerdict.DROP
    assert broadcast.events == []
