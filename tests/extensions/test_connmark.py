"""-m connmark: the conntrack entry's mark."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.skb import CtState, Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A PREROUTING -m connmark ! --mark 0/0xffffffff")
    assert sh.rules("mangle")[-1] == "-A PREROUTING -m connmark ! --mark 0x0"
    # the C code prints "connmark match " and then " 0x0": two spaces
    assert sh.ok("iptables -t mangle -nL PREROUTING").splitlines()[-1].endswith(
        "connmark match ! 0x0"
    )


def test_no_entry_never_matches() -> None:
    ext, value = parsed_match("-m connmark ! --mark 1")
    assert not ext.matches(value, Skb(ip_packet()), Env())
    conn = FakeConn.between("10.0.0.1", "10.0.0.2", mark=2)
    skb = Skb(ip_packet(), ct=conn, ctstate=CtState.ESTABLISHED)
    assert ext.matches(value, skb, Env())
    conn.mark = 1
    assert not ext.matches(value, skb, Env())
