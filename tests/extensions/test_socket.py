"""-m socket: flags and the socket lookup rules."""

from dataclasses import dataclass

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


@dataclass
class Sock:
    transparent: bool = False
    bound_any: bool = False
    mark: int = 0


def test_texts_and_hooks() -> None:
    sh = Shell()
    sh.ok("iptables -t mangle -A PREROUTING -m socket --restore-skmark --transparent")
    assert sh.rules("mangle")[-1] == "-A PREROUTING -m socket --transparent --restore-skmark"
    assert sh.ok("iptables -t mangle -nL PREROUTING").splitlines()[-1].endswith(
        "socket --transparent --restore-skmark"
    )
    assert sh("iptables -t mangle -A OUTPUT -m socket").status == 4


def _match(rule: str, sock: Sock | None) -> tuple[bool, int]:
    ext, value = parsed_match("-m socket " + rule, table="mangle", chain="PREROUTING")
    skb = Skb(ip_packet())
    return ext.matches(value, skb, Env(socket_lookup=lambda _: sock)), skb.mark


def test_wildcard_transparent_and_mark() -> None:
    assert _match("", None) == (False, 0)
    assert _match("", Sock()) == (True, 0)
    assert _match("", Sock(bound_any=True)) == (False, 0)
    assert _match("--nowildcard", Sock(bound_any=True)) == (True, 0)
    assert _match("--transparent", Sock()) == (False, 0)
    assert _match("--transparent --restore-skmark", Sock(transparent=True, mark=7)) == (True, 7)
