"""-m helper: the helper of the master connection."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.skb import CtState, Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m helper ! --helper 'ftp x'")
    assert sh.rules()[-1] == '-A INPUT -m helper ! --helper "ftp x"'
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith('helper match ! "ftp x"')


def test_matches_the_masters_helper_by_prefix() -> None:
    ext, value = parsed_match("-m helper --helper ftp-21")
    control = FakeConn.between("10.0.0.1", "10.0.0.2", dport=21, helper="ftp")
    data = FakeConn.between("10.0.0.2", "10.0.0.1", 20, 5000, master=control)
    skb = Skb(ip_packet(), ct=data, ctstate=CtState.RELATED)
    assert ext.matches(value, skb, Env())  # strncmp over the helper's name length
    assert not ext.matches(value, Skb(ip_packet(), ct=control), Env())
    ext, inv = parsed_match("-m helper ! --helper sip")
    assert ext.matches(inv, skb, Env()) and ext.matches(inv, Skb(ip_packet()), Env())
