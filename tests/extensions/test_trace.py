"""-j TRACE: raw only for legacy (nft writes a native nftrace expression)."""

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_tables_per_flavour() -> None:
    sh = Shell()
    sh.ok("iptables -t raw -A PREROUTING -j TRACE")
    sh.ok("iptables -t mangle -A INPUT -j TRACE")
    assert sh.rules("mangle")[-1] == "-A INPUT -j TRACE"
    assert "Invalid argument" in sh("iptables-legacy -t mangle -A INPUT -j TRACE").err
    sh.ok("iptables-legacy -t raw -A OUTPUT -j TRACE")


def test_sets_trace_flag() -> None:
    ext, value = parsed_target("-j TRACE", "raw", "PREROUTING")
    skb = Skb(ip_packet())
    assert ext.target(value, skb, Env()) is XtVerdict.CONTINUE and skb.trace
