"""-m addrtype: type prefixes, interface limits per hook, evaluation via Env.address_types."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m addrtype --src-type loc,BROAD ! --dst-type UNICAST,xresolve --limit-iface-in")
    assert sh.rules()[-1] == (
        "-A INPUT -m addrtype --src-type LOCAL,BROADCAST ! --dst-type UNICAST,XRESOLVE --limit-iface-in"
    )
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(
        "ADDRTYPE match src-type LOCAL,BROADCAST dst-type !UNICAST,XRESOLVE limit-in"
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("--src-type ,LOCAL", "addrtype: bad type `,LOCAL'"),
        ("--src-type LOCAL,", 'addrtype: bad type ""'),
        ("--src-type bar,LOCAL", "addrtype: bad type `bar,LOCAL'"),
        ("--limit-iface-in", "addrtype: you must specify --src-type or --dst-type"),
        ("--src-type LOCAL --limit-iface-in --limit-iface-out",
         'addrtype: option "--limit-iface-in" cannot be used together with "--limit-iface-out".'),
    ],
)
def test_errors(rule: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m addrtype {rule}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_interface_limits_by_hook() -> None:
    sh = Shell()
    assert sh("iptables -A INPUT -m addrtype --src-type LOCAL --limit-iface-out").status == 4
    assert sh("iptables -A OUTPUT -m addrtype --src-type LOCAL --limit-iface-in").status == 4
    sh.ok("iptables -A FORWARD -m addrtype --src-type LOCAL --limit-iface-in")


def test_matches() -> None:
    types = {"10.0.0.2": "LOCAL", "10.0.0.255": "BROADCAST"}
    seen: list[tuple] = []

    def address_types(addr, dev=None):
        seen.append((str(addr), dev))
        return types.get(str(addr), "UNICAST") if dev in (None, "eth0") else "UNICAST"

    env = Env(address_types=address_types)
    ext, value = parsed_match("-m addrtype --dst-type LOCAL,BROADCAST ! --src-type LOCAL")
    assert ext.matches(value, Skb(ip_packet()), env)
    assert not ext.matches(value, Skb(ip_packet(dst="10.0.0.7")), env)
    ext, limited = parsed_match("-m addrtype --dst-type LOCAL --limit-iface-in")
    assert ext.matches(limited, Skb(ip_packet(), in_iface="eth0"), env)
    assert not ext.matches(limited, Skb(ip_packet(), in_iface="eth1"), env)
    assert seen[-1] == ("10.0.0.2", "eth1")
