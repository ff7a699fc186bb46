"""-j CHECKSUM: mandatory option, mangle only, no change to a packet."""

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_texts_and_checks() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A POSTROUTING -p udp -j CHECKSUM --checksum-fill")
    assert sh.rules("mangle")[-1] == "-A POSTROUTING -p udp -j CHECKSUM --checksum-fill"
    assert sh.ok("iptables -t mangle -nL POSTROUTING").splitlines()[-1].endswith("CHECKSUM fill")
    assert (
        'CHECKSUM: option "--checksum-fill" must be specified'
        in sh("iptables -t mangle -A POSTROUTING -j CHECKSUM").err
    )
    assert "Invalid argument" in sh("iptables -A OUTPUT -j CHECKSUM --checksum-fill").err


def test_continues_unchanged() -> None:
    ext, value = parsed_target("-j CHECKSUM --checksum-fill", "mangle", "POSTROUTING")
    packet = ip_packet(proto="udp")
    skb = Skb(packet)
    assert ext.target(value, skb, Env()) is XtVerdict.CONTINUE and skb.packet is packet
