"""-j MASQUERADE: texts, hooks, the address the out device would use."""

from ipaddress import IPv4Address

import pytest

from helpers import FakeConn, Shell, ip_packet, parsed_target
from nflab.netfilter.natrange import Manip
from nflab.netfilter.skb import Env, Skb, XtVerdict

A = IPv4Address


@pytest.mark.parametrize(
    ("rule", "saved", "listed"),
    [
        ("", "", ""),
        ("--random", " --random", " random"),
        ("-p tcp --to-ports 1000-2000 --random-fully", " --to-ports 1000-2000 --random-fully",
         " masq ports: 1000-2000 random-fully"),
        ("-p udp --to-ports 53", " --to-ports 53", " masq ports: 53"),
    ],
)
def test_texts(rule: str, saved: str, listed: str) -> None:
    sh = Shell()
    proto = "-p " + rule.split()[1] + " " if rule.startswith("-p") else ""
    opts = rule.split(" ", 2)[2] if proto else rule
    sh.ok(f"iptables -t nat -A POSTROUTING {proto}-j MASQUERADE {opts}")
    assert sh.rules("nat")[-1] == f"-A POSTROUTING {proto}-j MASQUERADE{saved}"
    last = sh.ok("iptables -t nat -L POSTROUTING").splitlines()[-1]
    assert last.startswith("MASQUERADE  ") and last.endswith(f"{'anywhere':<19} {listed}")


def test_errors_and_hooks() -> None:
    sh = Shell()
    assert "Port `65536' not valid" in sh("iptables -t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1024-65536").err
    assert "Need TCP" in sh("iptables -t nat -A POSTROUTING -j MASQUERADE --to-ports 1024").err
    assert sh("iptables -t nat -A OUTPUT -j MASQUERADE").status == 4
    assert sh("iptables-legacy -t nat -A INPUT -j MASQUERADE").status == 1


def out_env(address: str | None) -> Env:
    seen = []

    def select(dev: str, dst: IPv4Address) -> IPv4Address | None:
        seen.append((dev, dst))
        return A(address) if address else None

    env = Env(iface_select_source=select)
    env.state["seen"] = seen
    return env


def test_source_is_the_out_device_address() -> None:
    ext, value = parsed_target("-p tcp -j MASQUERADE --to-ports 20000-20009", "nat", "POSTROUTING")
    env = out_env("203.0.113.7")
    skb = Skb(ip_packet("192.168.1.10", "198.51.100.1", 40000, 443), hook="POSTROUTING", out_iface="eth0")
    assert ext.target(value, skb, env) is XtVerdict.ACCEPT
    assert env.state["seen"] == [("eth0", A("198.51.100.1"))]
    binding = skb.nat
    assert binding.manip is Manip.SRC and binding.masq_iface == "eth0"
    assert binding.new.src == A("203.0.113.7") and 20000 <= binding.new.sport <= 20009


def test_no_address_drops_and_logs() -> None:
    ext, value = parsed_target("-j MASQUERADE", "nat", "POSTROUTING")
    lines: list[tuple[int, str]] = []
    env = out_env(None)
    env.log = lambda level, line: lines.append((level, line))
    skb = Skb(ip_packet(), hook="POSTROUTING", out_iface="ppp0")
    assert ext.target(value, skb, env) is XtVerdict.DROP
    assert lines == [(6, "ppp0 ate my IP address")] and skb.nat is None


def test_unspecified_source_is_left_alone() -> None:
    ext, value = parsed_target("-j MASQUERADE", "nat", "POSTROUTING")
    conn = FakeConn.between("0.0.0.0", "255.255.255.255", 68, 67, proto=17)
    skb = Skb(ip_packet("0.0.0.0", "255.255.255.255", 68, 67, "udp"), ct=conn, out_iface="eth0")
    assert ext.target(value, skb, out_env("10.0.0.1")) is XtVerdict.ACCEPT
    assert skb.nat is None
