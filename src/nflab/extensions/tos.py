"""``-m tos`` (libxt_tos.c revision 1, kernel xt_dscp.c ``tos_mt``): the IPv4 TOS byte
under a mask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.tosdscp import tos_symbol
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Tos:
    """``struct xt_tos_match_info``."""

    value: int
    mask: int
    invert: bool = False


@register
class TosMatch(MatchExtension):
    name = "tos"
    revision = 1
    # a symbolic name compares the 0x3f bits only (the entry's max is the default mask)
    options = (Opt("tos", OptType.TOSMASK, invert=True, mand=True, max=0x3F),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Tos | None:
        if "tos" not in data:
            return None  # the generic check reports the missing --tos
        value, mask = data["tos"]
        return Tos(value, mask, bool(data.get("tos!")))

    def save(self, value: Tos, show: Show) -> str:
        return f"{' !' if value.invert else ''} --tos 0x{value.value:02x}/0x{value.mask:02x}"

    def print(self, value: Tos, show: Show) -> str:
        # no space between "match" and the value: "tos match0x10/0xff", "tos match! Minimize-Delay"
        out = " tos match" + ("!" if value.invert else "")
        symbol = None if show.numeric else tos_symbol(value.value, value.mask)
        if symbol is not None:
            return out + f" {symbol}"
        return out + f"0x{value.value:02x}/0x{value.mask:02x}"

    def matches(self, value: Tos, skb: Skb, env: Env) -> bool:
        return ((skb.packet.ip.tos & value.mask) == value.value) != value.invert
