"""-m tcpmss: ranges, the tcp requirement, the MSS option of a segment."""

from ipaddress import IPv4Address

from helpers import Shell, parsed_match
from nflab.netfilter.skb import Env, Skb
from nflab.packet.headers import TCP, IPv4, Packet, TcpOption


def test_texts_and_errors() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp -m tcpmss ! --mss 5:")
    sh.ok("iptables -A INPUT -p tcp -m tcpmss --mss 5:5")
    assert sh.rules()[-2:] == [
        "-A INPUT -p tcp -m tcpmss ! --mss 5:65535",
        "-A INPUT -p tcp -m tcpmss --mss 5",
    ]
    assert sh.ok("iptables -L INPUT").splitlines()[2].endswith("tcpmss match !5:65535")
    assert "tcpmss: invalid range given" in sh("iptables -A INPUT -p tcp -m tcpmss --mss 9:8").err
    assert sh("iptables -A INPUT -m tcpmss --mss 42").status == 4


def _syn(*options: TcpOption) -> Skb:
    ip = IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 6)
    return Skb(Packet(ip, TCP(1, 2, flags=2, options=options)))


def test_matches() -> None:
    ext, value = parsed_match("-p tcp -m tcpmss --mss 1400:1460")
    assert ext.matches(value, _syn(TcpOption(2, (1460).to_bytes(2, "big"))), Env())
    assert not ext.matches(value, _syn(TcpOption(2, (1500).to_bytes(2, "big"))), Env())
    assert not ext.matches(value, _syn(), Env())
    ext, inverted = parsed_match("-p tcp -m tcpmss ! --mss 1400:1460")
    assert ext.matches(inverted, _syn(), Env())  # no MSS option: the inversion decides
