"""-m connbytes: ranges (inverted ones stored reversed) and accounting."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.skb import CtState, Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m connbytes ! --connbytes 10 --connbytes-dir both --connbytes-mode bytes")
    sh.ok("iptables -A INPUT -m connbytes --connbytes 0:0 --connbytes-dir reply --connbytes-mode avgpkt")
    assert sh.rules()[-2:] == [
        "-A INPUT -m connbytes ! --connbytes 10 --connbytes-mode bytes --connbytes-dir both",
        "-A INPUT -m connbytes --connbytes 0 --connbytes-mode avgpkt --connbytes-dir reply",
    ]
    assert sh.ok("iptables -nL INPUT").splitlines()[-2].endswith(
        "! connbytes 10 connbytes mode bytes connbytes direction both"
    )


def test_errors() -> None:
    sh = Shell()
    assert "Unknown --connbytes-dir `sideways'" in sh(
        "iptables -A INPUT -m connbytes --connbytes 1 --connbytes-dir sideways --connbytes-mode bytes"
    ).err
    assert "5 should be less than 3" in sh(
        "iptables -A INPUT -m connbytes --connbytes 5:3 --connbytes-dir both --connbytes-mode bytes"
    ).err
    assert 'option "--connbytes-dir" must be specified' in sh(
        "iptables -A INPUT -m connbytes --connbytes 1 --connbytes-mode bytes"
    ).err


def test_counts_per_direction() -> None:
    conn = FakeConn.between("10.0.0.1", "10.0.0.2", packets=(3, 2), bytes=(300, 1000))
    skb = Skb(ip_packet(), ct=conn, ctstate=CtState.ESTABLISHED)

    def hit(rule: str) -> bool:
        ext, value = parsed_match("-m connbytes " + rule)
        return ext.matches(value, skb, Env())

    assert hit("--connbytes 3:3 --connbytes-dir original --connbytes-mode packets")
    assert hit("--connbytes 5 --connbytes-dir both --connbytes-mode packets")
    assert not hit("--connbytes 301 --connbytes-dir original --connbytes-mode bytes")
    assert hit("--connbytes 260:260 --connbytes-dir both --connbytes-mode avgpkt")
    assert hit("! --connbytes 1001 --connbytes-dir reply --connbytes-mode bytes")
    assert not hit("! --connbytes 999 --connbytes-dir reply --connbytes-mode bytes")
    ext, value = parsed_match("-m connbytes ! --connbytes 1 --connbytes-dir both --connbytes-mode bytes")
    assert not ext.matches(value, Skb(ip_packet()), Env())
