"""-m rpfilter: raw/mangle PREROUTING only; the reverse route decides."""

from ipaddress import IPv4Address

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts_and_kernel_checks() -> None:
    sh = Shell()
    sh.ok("iptables -t raw -A PREROUTING -m rpfilter --invert --loose")
    assert sh.rules("raw")[-1] == "-A PREROUTING -m rpfilter --loose --invert"
    assert sh.ok("iptables -t raw -nL PREROUTING").splitlines()[-1].endswith("rpfilter loose invert")
    assert sh("iptables -t nat -A PREROUTING -m rpfilter").status == 4
    assert sh("iptables-legacy -t mangle -A INPUT -m rpfilter").status == 1


def _env(routes: dict[str, tuple[str, frozenset[str]]]) -> Env:
    return Env(fib_lookup=lambda daddr, saddr, mark, tos: routes.get(str(daddr)))


def test_reverse_path() -> None:
    ext, strict = parsed_match("-m rpfilter", table="raw", chain="PREROUTING")
    _, loose = parsed_match("-m rpfilter --loose", table="raw", chain="PREROUTING")
    env = _env({"10.0.0.1": ("UNICAST", frozenset({"eth0"})), "10.0.0.5": ("LOCAL", frozenset({"lo"}))})
    assert ext.matches(strict, Skb(ip_packet("10.0.0.1"), in_iface="eth0"), env)
    assert not ext.matches(strict, Skb(ip_packet("10.0.0.1"), in_iface="eth1"), env)
    assert ext.matches(loose, Skb(ip_packet("10.0.0.1"), in_iface="eth1"), env)
    assert not ext.matches(loose, Skb(ip_packet("10.9.9.9"), in_iface="eth1"), env)  # no route
    assert not ext.matches(loose, Skb(ip_packet("10.0.0.5"), in_iface="eth1"), env)  # local source
    _, local_ok = parsed_match("-m rpfilter --loose --accept-local", table="raw", chain="PREROUTING")
    assert ext.matches(local_ok, Skb(ip_packet("10.0.0.5"), in_iface="eth1"), env)


def test_loopback_and_dhcp_discover_pass() -> None:
    ext, value = parsed_match("-m rpfilter --invert", table="raw", chain="PREROUTING")
    assert not ext.matches(value, Skb(ip_packet("10.0.0.1"), in_iface="lo"), _env({}))
    seen: list[IPv4Address] = []
    env = Env(fib_lookup=lambda d, s, m, t: seen.append(d))
    assert not ext.matches(value, Skb(ip_packet("0.0.0.0", "255.255.255.255"), in_iface="eth0"), env)
    assert seen == []
