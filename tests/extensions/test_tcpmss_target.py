"""-j TCPMSS: the SYN-match rule of legacy, clamping hooks, MSS rewriting."""

from dataclasses import replace

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict
from nflab.packet.headers import TcpFlags, TcpOption


def _syn(options: tuple[TcpOption, ...] = (), payload: bytes = b""):
    packet = ip_packet(payload=payload)
    assert packet.tcp is not None
    return replace(packet, l4=replace(packet.tcp, flags=TcpFlags.SYN, options=options))


def test_kernel_rules() -> None:
    sh = Shell()
    sh.ok(
        "iptables -t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 42"
    )  # nft_compat skips the SYN test
    legacy = sh("iptables-legacy -t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 42")
    assert legacy.status == 1 and "Invalid argument" in legacy.err
    sh.ok("iptables-legacy -t mangle -A FORWARD -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu")
    assert (
        "Invalid argument"
        in sh("iptables -t mangle -A PREROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu").err
    )
    assert (
        "Invalid argument" in sh("iptables -t mangle -A FORWARD -p udp -j TCPMSS --set-mss 5").err
    )
    assert (
        "TCPMSS target: At least one parameter is required"
        in sh("iptables -t mangle -A FORWARD -j TCPMSS").err
    )
    assert sh.rules("mangle")[-1] == "-A FORWARD -p tcp -j TCPMSS --set-mss 42"
    assert (
        sh.ok("iptables-legacy -t mangle -nL FORWARD")
        .splitlines()[-1]
        .endswith("TCPMSS clamp to PMTU")
    )


def test_last_option_wins() -> None:
    assert parsed_target("-p tcp -j TCPMSS --set-mss 4 --clamp-mss-to-pmtu")[1] == 0xFFFF
    assert parsed_target("-p tcp -j TCPMSS --clamp-mss-to-pmtu --set-mss 7")[1] == 7


def test_lowers_never_raises_and_inserts() -> None:
    ext, value = parsed_target("-p tcp -j TCPMSS --set-mss 1000", "mangle", "FORWARD")
    skb = Skb(_syn((TcpOption(2, (1460).to_bytes(2, "big")), TcpOption(1))))
    assert ext.target(value, skb, Env()) is XtVerdict.CONTINUE
    assert skb.packet.tcp is not None and skb.packet.tcp.mss == 1000
    small = Skb(_syn((TcpOption(2, (500).to_bytes(2, "big")),)))
    ext.target(value, small, Env())
    assert small.packet.tcp is not None and small.packet.tcp.mss == 500
    bare = Skb(_syn())
    ext.target(value, bare, Env())
    assert bare.packet.tcp is not None and bare.packet.tcp.mss == 536  # RFC 1122 default cap
    assert bare.packet.length == 40 + 4
    with_data = Skb(_syn(payload=b"x"))
    ext.target(value, with_data, Env())
    assert with_data.packet.tcp is not None and with_data.packet.tcp.mss is None


def test_clamp_uses_route_mtus() -> None:
    ext, value = parsed_target("-p tcp -j TCPMSS --clamp-mss-to-pmtu", "mangle", "FORWARD")
    mtus = {"10.0.0.2": 1400, "10.0.0.1": 1500}
    skb = Skb(_syn((TcpOption(2, (1460).to_bytes(2, "big")),)))
    env = Env(route_mtu=lambda addr: mtus.get(str(addr)))
    ext.target(value, skb, env)
    assert skb.packet.tcp is not None and skb.packet.tcp.mss == 1360
    logged: list[str] = []
    broken = Env(route_mtu=lambda addr: 40, log=lambda level, line: logged.append(line))
    assert ext.target(value, Skb(_syn()), broken) is XtVerdict.DROP
    assert logged == ["xt_TCPMSS: unknown or invalid path-MTU (40)"]
