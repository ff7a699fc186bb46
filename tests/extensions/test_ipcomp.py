"""-m ipcomp: no init (0:0 without --ipcompspi), --compres, the 16-bit CPI."""

from ipaddress import IPv4Address

from helpers import Shell, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import IPv4, Packet


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p ipcomp -m ipcomp")
    sh.ok("iptables -A INPUT -p ipcomp --ipcompspi 4:9 --compres")
    assert sh.rules()[-2:] == [
        "-A INPUT -p ipcomp -m ipcomp --ipcompspi 0",
        "-A INPUT -p ipcomp -m ipcomp --ipcompspi 4:9 --compres",
    ]
    lines = sh.ok("iptables -L INPUT").splitlines()
    assert lines[2].endswith("comp spi:0") and lines[3].endswith("comp spis:4:9 reserved")


def test_matches() -> None:
    ext, value = parsed_match("-p ipcomp ! --ipcompspi 4:9")
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 108)
    assert not ext.matches(value, Skb(Packet(ip, None, bytes([4, 0, 0, 5]))), Env())
    assert ext.matches(value, Skb(Packet(ip, None, bytes([4, 0, 0, 10]))), Env())
