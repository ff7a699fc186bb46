"""``-m mac`` (libxt_mac.c, kernel xt_mac.c): the Ethernet source address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb


def mac_text(addr: bytes) -> str:
    """``xtables_print_mac``: lowercase, two digits per octet."""
    return ":".join(f"{b:02x}" for b in addr)


@dataclass(frozen=True, slots=True)
class Mac:
    """``struct xt_mac_info``."""

    srcaddr: bytes = bytes(6)
    invert: bool = False


@register
class MacMatch(MatchExtension):
    name = "mac"
    hooks = frozenset({"PREROUTING", "INPUT", "FORWARD"})
    options = (Opt("mac-source", OptType.ETHERMAC, invert=True, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        call.data["addr"] = call.value
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Mac:
        return Mac(data.get("addr", bytes(6)), data.get("invert", False))

    def print(self, value: Mac, show: Show) -> str:
        return f" MAC {'! ' if value.invert else ''}{mac_text(value.srcaddr)}"

    def save(self, value: Mac, show: Show) -> str:
        return f"{' !' if value.invert else ''} --mac-source {mac_text(value.srcaddr)}"

    def matches(self, value: Mac, skb: Skb, env: Env) -> bool:
        """``mac_mt``: no Ethernet header (loopback, a tunnel) never matches, inverted or not."""
        if skb.src_mac is None:
            return False
        return (skb.src_mac == value.srcaddr) != value.invert
