"""-m connlabel: numeric labels only (no label map), the kernel's range and --set."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.skb import CtState, Env, Skb


def test_texts_and_u16_wrap() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m connlabel ! --label 65576 --set")
    assert sh.rules()[-1] == '-A INPUT -m connlabel ! --label "40" --set'
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith("connlabel ! 40 set")


def test_any_connlabel_rule_deletes_any_other() -> None:
    # userspacesize is offsetof(bit) == 0: -D compares nothing of the match data
    sh = Shell()
    sh.ok("iptables -A INPUT -m connlabel --label 40 --set")
    sh.ok("iptables -D INPUT -m connlabel ! --label 5")
    assert sh.rules() == ["-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT"]


def test_errors() -> None:
    sh = Shell()
    named = sh("iptables -A INPUT -m connlabel --label web")
    assert named.err.splitlines()[:2] == [
        "Warning: cannot open /etc/xtables/connlabel.conf: No such file or directory",
        "iptables v1.8.9 (nf_tables): label 'web' not found or invalid value",
    ]
    big = sh("iptables-legacy -A INPUT -m connlabel --label 128")
    assert big.status == 1 and big.err == "iptables: Numerical result out of range.\n"


def test_match_and_set() -> None:
    conn = FakeConn.between("10.0.0.1", "10.0.0.2", labels=1 << 3)
    skb = Skb(ip_packet(), ct=conn, ctstate=CtState.ESTABLISHED)
    ext, has3 = parsed_match("-m connlabel --label 3")
    _, set5 = parsed_match("-m connlabel --label 5 --set")
    _, not5 = parsed_match("-m connlabel ! --label 5")
    assert ext.matches(has3, skb, Env())
    assert ext.matches(not5, skb, Env())
    assert ext.matches(set5, skb, Env()) and conn.labels == (1 << 3) | (1 << 5)
    assert not ext.matches(not5, skb, Env())
    assert ext.matches(not5, Skb(ip_packet()), Env())  # no entry: the inversion decides
