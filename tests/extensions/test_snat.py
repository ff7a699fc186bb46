"""-j SNAT (compat revision 0): texts, flags, hooks, the binding it records."""

from ipaddress import IPv4Address

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.natrange import Manip
from nflab.netfilter.skb import Env, Skb, XtVerdict

A = IPv4Address


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -t nat -A POSTROUTING -j SNAT --persistent --to-source 1.2.3.4 --random-fully --random")
    assert sh.rules("nat")[-1] == (
        "-A POSTROUTING -j SNAT --to-source 1.2.3.4 --random --random-fully --persistent"
    )
    assert sh.ok("iptables -t nat -L POSTROUTING").splitlines()[-1].endswith(
        "to:1.2.3.4 random random-fully persistent"
    )


def test_base_port_does_not_survive_the_compat_struct() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000/1500")
    assert sh.rules("nat", "iptables-legacy")[-1] == (
        "-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000/0"
    )
    sh.ok("iptables-legacy -t nat -D POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1000-2000/99")


def test_hooks() -> None:
    sh = Shell()
    sh.ok("iptables -t nat -A INPUT -j SNAT --to-source 1.2.3.4")
    assert sh("iptables -t nat -A PREROUTING -j SNAT --to-source 1.2.3.4").status == 4
    assert sh("iptables -t mangle -A POSTROUTING -j SNAT --to-source 1.2.3.4").status == 4
    assert "SNAT: option \"--to-source\" must be specified" in sh("iptables -t nat -A INPUT -j SNAT").err


def test_binding() -> None:
    ext, value = parsed_target("-j SNAT --to-source 203.0.113.5", "nat", "POSTROUTING")
    skb = Skb(ip_packet("192.168.1.10", "198.51.100.1", 40000, 443), hook="POSTROUTING")
    assert ext.target(value, skb, Env()) is XtVerdict.ACCEPT
    assert skb.nat.manip is Manip.SRC
    assert (skb.nat.new.src, skb.nat.new.sport) == (A("203.0.113.5"), 40000)
