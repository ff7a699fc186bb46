"""-j TOS: value/mask forms, symbolic -L text, the TOS byte rewrite."""

from helpers import Shell, ip_packet, parsed_target
from nflab.iptables.tosdscp import tos_symbol
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    for rule in (
        "--set-tos 0x1f",
        "--set-tos Minimize-Delay",
        "--and-tos 0x12",
        "--or-tos 0x12",
        "--xor-tos 0x12",
        "--set-tos 0x12/0x13",
    ):
        sh.ok(f"iptables -t mangle -A OUTPUT -j TOS {rule}")
    assert [line.split("-j TOS ")[1] for line in sh.rules("mangle")[5:]] == [
        "--set-tos 0x1f/0xff",
        "--set-tos 0x10/0x3f",
        "--set-tos 0x00/0xed",
        "--set-tos 0x12/0x12",
        "--set-tos 0x12/0x00",
        "--set-tos 0x12/0x13",
    ]
    named = [
        line.split("anywhere")[-1]
        for line in sh.ok("iptables -t mangle -L OUTPUT").splitlines()[2:]
    ]

    # tos_try_print_symbolic's " %s%s" with the " TOS set" prefix: two spaces, none after "set"
    def indent(text: str) -> int:
        return len(text) - len(text.lstrip())

    assert indent(named[1]) == indent(named[0]) + 1
    assert [text.strip() for text in named] == [
        "TOS set 0x1f/0xff",
        "TOS setMinimize-Delay",
        "TOS and 0x12",
        "TOS or 0x12",
        "TOS xor 0x12",
        "TOS set 0x12/0x13",
    ]
    assert sh.ok("iptables -t mangle -nL OUTPUT").splitlines()[3].endswith("TOS set 0x10/0x3f")
    assert "TOS: An action is required" in sh("iptables -t mangle -A OUTPUT -j TOS").err
    assert (
        'Symbolic name "300" is unknown'
        in sh("iptables -t mangle -A OUTPUT -j TOS --set-tos 300").err
    )
    assert "Invalid argument" in sh("iptables -A OUTPUT -j TOS --set-tos 1").err


def test_symbols() -> None:
    assert tos_symbol(0x04, 0x3F) == "Maximize-Reliability"
    assert tos_symbol(0x04, 0xFF) is None


def test_rewrites_tos_under_mask() -> None:
    ext, value = parsed_target("-j TOS --set-tos 0x10/0x3f", "mangle", "OUTPUT")
    packet = ip_packet()
    skb = Skb(
        packet.__class__(packet.ip.__class__(packet.ip.src, packet.ip.dst, 6, tos=0xC3), packet.l4)
    )
    ext.target(value, skb, Env())
    assert skb.packet.ip.tos == 0xC0 | 0x10  # precedence bits kept, low six replaced
