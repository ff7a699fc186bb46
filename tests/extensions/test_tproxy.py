"""-j TPROXY: texts, the kernel's table/hook/protocol checks, the socket assignment."""

from dataclasses import dataclass
from ipaddress import IPv4Address

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict
from nflab.packet.headers import TCP, IPv4, Packet, TcpFlags

A = IPv4Address


@dataclass
class Sock:
    transparent: bool = True
    time_wait: bool = False


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A PREROUTING -p tcp -j TPROXY --on-port http")
    assert sh.rules("mangle")[-1] == (
        "-A PREROUTING -p tcp -j TPROXY --on-port 80 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"
    )
    sh.ok("iptables -t mangle -A PREROUTING -p udp -j TPROXY --on-port 1 --on-ip localhost --tproxy-mark 5")
    assert sh.ok("iptables -t mangle -L PREROUTING").splitlines()[-1].endswith(
        "TPROXY redirect 127.0.0.1:1 mark 0x5/0xffffffff"
    )


def test_checks() -> None:
    sh = Shell()
    assert 'TPROXY: option "--on-port" must be specified' in sh(
        "iptables -t mangle -A PREROUTING -p tcp -j TPROXY --on-ip 1.2.3.4").err
    for rule in ("-t mangle -A PREROUTING", "-t mangle -A PREROUTING ! -p tcp",
                 "-t mangle -A INPUT -p tcp", "-t nat -A PREROUTING -p tcp"):
        assert sh(f"iptables {rule} -j TPROXY --on-port 1").status == 4
        assert sh(f"iptables-legacy {rule} -j TPROXY --on-port 1").status == 1


def lookups(established: Sock | None, listener: Sock | None, calls: list) -> Env:
    def lookup(proto, saddr, sport, daddr, dport, dev, want_listener):
        calls.append((str(daddr), dport, want_listener))
        return listener if want_listener else established

    return Env(tproxy_socket=lookup, iface_first_address=lambda dev: A("10.0.0.254"))


def test_listener_gets_the_packet_and_the_mark() -> None:
    ext, value = parsed_target("-p tcp -j TPROXY --on-port 3129 --tproxy-mark 0x1/0x1", "mangle", "PREROUTING")
    calls: list = []
    listener = Sock()
    skb = Skb(ip_packet(dport=80), hook="PREROUTING", in_iface="eth0", mark=0x10)
    assert ext.target(value, skb, lookups(None, listener, calls)) is XtVerdict.ACCEPT
    assert calls == [("10.0.0.2", 80, False), ("10.0.0.254", 3129, True)]
    assert skb.mark == 0x11 and skb.extra["sk"] is listener


def test_established_socket_wins_and_non_transparent_drops() -> None:
    ext, value = parsed_target("-p tcp -j TPROXY --on-port 0 --on-ip 10.9.9.9", "mangle", "PREROUTING")
    calls: list = []
    own = Sock()
    skb = Skb(ip_packet(dport=80), hook="PREROUTING")
    assert ext.target(value, skb, lookups(own, Sock(), calls)) is XtVerdict.ACCEPT
    assert skb.extra["sk"] is own and len(calls) == 1
    assert ext.target(value, Skb(ip_packet()), lookups(None, Sock(transparent=False), [])) is XtVerdict.DROP
    assert ext.target(value, Skb(ip_packet()), lookups(None, None, [])) is XtVerdict.DROP


def test_new_syn_reopens_a_time_wait_connection() -> None:
    ext, value = parsed_target("-p tcp -j TPROXY --on-port 3129", "mangle", "PREROUTING")
    listener = Sock()
    syn = Packet(IPv4(A("10.0.0.1"), A("10.0.0.2"), 6), TCP(1234, 80, flags=TcpFlags.SYN))
    skb = Skb(syn, hook="PREROUTING")
    ext.target(value, skb, lookups(Sock(time_wait=True, transparent=True), listener, []))
    assert skb.extra["sk"] is listener
