"""-m ah: the SPI at offset 4 of the AH header; ``ah `` listing prefix."""

from ipaddress import IPv4Address

from helpers import Shell, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import IPv4, Packet


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p ah ! --ahspi 0")
    sh.ok("iptables -A INPUT -p ah -m ah")
    assert sh.rules()[-2:] == ["-A INPUT -p ah -m ah ! --ahspi 0", "-A INPUT -p ah -m ah"]
    lines = sh.ok("iptables -nL INPUT").splitlines()
    assert lines[2].endswith("ah spi:!0") and lines[3].endswith("ah ")
    assert 'near "invalid"' in sh("iptables -A INPUT -p ah --ahspi 0:invalid").err


def test_matches() -> None:
    ext, value = parsed_match("-p ah --ahspi 7")
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 51)
    header = bytes(4) + (7).to_bytes(4, "big") + bytes(4)
    assert ext.matches(value, Skb(Packet(ip, None, header)), Env())
    assert not ext.matches(value, Skb(Packet(ip, None, bytes(12))), Env())
