"""-m connlimit: defaults, texts and per-rule connection counting."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.skb import CtState, Env, Skb


def test_defaults_and_listing() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m connlimit ! --connlimit-upto 3 --connlimit-mask 255.255.0.0")
    sh.ok("iptables -A INPUT -m connlimit --connlimit-upto 2 --connlimit-daddr")
    assert sh.rules()[-2:] == [
        "-A INPUT -m connlimit --connlimit-above 3 --connlimit-mask 16 --connlimit-saddr",
        "-A INPUT -m connlimit --connlimit-upto 2 --connlimit-mask 32 --connlimit-daddr",
    ]
    listing = sh.ok("iptables -nL INPUT").splitlines()
    assert listing[-2].endswith("#conn src/16 > 3") and listing[-1].endswith("#conn dst/32 <= 2")


def test_errors() -> None:
    sh = Shell()
    assert 'You must specify "--connlimit-above" or "--connlimit-upto".' in sh(
        "iptables -A INPUT -m connlimit --connlimit-mask 24"
    ).err
    assert 'option "--connlimit-upto" cannot be used together with "--connlimit-above"' in sh(
        "iptables -A INPUT -m connlimit --connlimit-upto 1 --connlimit-above 2"
    ).err
    # getaddrinfo reads "33" as the mask 0.0.0.33: not contiguous, so all ones
    sh.ok("iptables -A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 33")
    assert sh.rules()[-1].endswith("--connlimit-mask 32 --connlimit-saddr")


def test_counts_live_connections_per_masked_source() -> None:
    ext, value = parsed_match("-m connlimit --connlimit-above 2 --connlimit-mask 24")
    env = Env()
    conns = [FakeConn.between(f"10.0.0.{i}", "10.9.9.9", 1000 + i) for i in range(1, 4)]

    def seen(conn: FakeConn, src: str) -> bool:
        skb = Skb(ip_packet(src, "10.9.9.9"), ct=conn, ctstate=CtState.NEW)
        return ext.matches(value, skb, env)

    assert not seen(conns[0], "10.0.0.1")
    assert not seen(conns[1], "10.0.0.2")
    assert not seen(conns[1], "10.0.0.2")  # the same connection counts once
    assert seen(conns[2], "10.0.0.3")  # a third one from 10.0.0.0/24
    assert not seen(FakeConn.between("10.0.1.1", "10.9.9.9"), "10.0.1.1")  # another /24
    conns[0].finished = True
    assert not seen(conns[2], "10.0.0.3")  # a closed one is forgotten
