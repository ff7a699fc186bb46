"""``-m length`` (libxt_length.c, kernel xt_length.c): the IP total length in a range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Length:
    """``struct xt_length_info``."""

    min: int = 0
    max: int = 0
    invert: bool = False

    def text(self) -> str:
        return str(self.min) if self.min == self.max else f"{self.min}:{self.max}"


@register
class LengthMatch(MatchExtension):
    name = "length"
    options = (Opt("length", OptType.UINT16RC, invert=True, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        values = call.value
        call.data["range"] = (values[0], values[1] if call.nvals >= 2 else values[0])
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Length:
        lo, hi = data.get("range", (0, 0))
        return Length(lo, hi, data.get("invert", False))

    def print(self, value: Length, show: Show) -> str:
        return f" length {'!' if value.invert else ''}{value.text()}"

    def save(self, value: Length, show: Show) -> str:
        return f"{' !' if value.invert else ''} --length {value.text()}"

    def matches(self, value: Length, skb: Skb, env: Env) -> bool:
        """``length_mt``: ``ntohs(iph->tot_len)``."""
        return (value.min <= skb.packet.length <= value.max) != value.invert
