"""-m state: the conntrack alias with its own word parser."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.skb import CtState, Env, Skb


def test_save_and_list() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m state ! --state established,new,inv")
    assert sh.rules()[-1] == "-A INPUT -m state ! --state INVALID,NEW,ESTABLISHED"
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("! state INVALID,NEW,ESTABLISHED")


def test_errors() -> None:
    sh = Shell()
    assert 'option "--state" must be specified' in sh("iptables -A INPUT -m state").err
    assert "requires a list of states with no spaces" in sh(
        "iptables -A INPUT -m state --state NEW,"
    ).err
    assert 'Bad state "SNAT"' in sh("iptables -A INPUT -m state --state SNAT").err
    assert sh("iptables -A INPUT -m state wrong").err.startswith("Bad argument `wrong'")


def test_related_reply_is_related() -> None:
    ext, value = parsed_match("-m state --state RELATED")
    conn = FakeConn.between("10.0.0.1", "10.0.0.2")
    skb = Skb(ip_packet(), ct=conn, ctstate=CtState.RELATED, ct_reply=True)
    assert ext.matches(value, skb, Env())
    skb.ctstate = CtState.NEW
    assert not ext.matches(value, skb, Env())
