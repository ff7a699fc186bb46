"""-m esp: SPI ranges (shared with ah and ipcomp in nflab.iptables.spi)."""

from ipaddress import IPv4Address

from helpers import Shell, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import IPv4, Packet


def test_texts() -> None:
    sh = Shell()
    for spec in ("--espspi :32", "! --espspi 7", "--espspi 0:4294967295", "! --espspi 0:4294967295"):
        sh.ok(f"iptables -A INPUT -p esp {spec}")
    assert sh.rules()[-4:] == [
        "-A INPUT -p esp -m esp --espspi 0:32",
        "-A INPUT -p esp -m esp ! --espspi 7",
        "-A INPUT -p esp -m esp",
        "-A INPUT -p esp -m esp",
    ]
    listed = [line.split("anywhere")[-1].strip() for line in sh.ok("iptables -L INPUT").splitlines()[2:]]
    assert listed == ["esp spis:0:32", "esp spi:!7", "esp", "esp spis:!0:4294967295"]
    assert 'near "-1", or out of range (0-4294967295).' in sh("iptables -A INPUT -p esp --espspi -1").err
    assert "Invalid argument" in sh("iptables-legacy -A INPUT -m esp").err


def test_matches() -> None:
    ext, value = parsed_match("-p esp --espspi 0x100:0x1ff")
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 50)
    assert ext.matches(value, Skb(Packet(ip, None, (0x180).to_bytes(4, "big") + bytes(4))), Env())
    assert not ext.matches(value, Skb(Packet(ip, None, (0x200).to_bytes(4, "big") + bytes(4))), Env())
    short = Skb(Packet(ip, None, bytes(4)))
    assert not ext.matches(value, short, Env()) and short.hotdrop
