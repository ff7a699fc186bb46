"""``-m tcpmss`` (libxt_tcpmss.c, kernel xt_tcpmss.c): the MSS option of a TCP segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Tcpmss:
    """``struct xt_tcpmss_match_info``."""

    min: int = 0
    max: int = 0
    invert: bool = False

    def text(self) -> str:
        return str(self.min) if self.min == self.max else f"{self.min}:{self.max}"


@register
class TcpmssMatch(MatchExtension):
    name = "tcpmss"
    proto = 6
    options = (Opt("mss", OptType.UINT16RC, invert=True, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        lo = hi = call.value[0]
        if call.nvals == 2:
            hi = call.value[1]
            if hi < lo:
                raise ParameterProblem("tcpmss: invalid range given")
        call.data["range"] = (lo, hi)
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Tcpmss:
        lo, hi = data.get("range", (0, 0))
        return Tcpmss(lo, hi, data.get("invert", False))

    def print(self, value: Tcpmss, show: Show) -> str:
        return f" tcpmss match {'!' if value.invert else ''}{value.text()}"

    def save(self, value: Tcpmss, show: Show) -> str:
        return f"{' !' if value.invert else ''} --mss {value.text()}"

    def matches(self, value: Tcpmss, skb: Skb, env: Env) -> bool:
        """``tcpmss_mt``: the first well-formed MSS option decides; none: the inversion."""
        seg = skb.packet.tcp
        if seg is None:  # no whole header: the kernel drops the packet
            skb.hotdrop = True
            return False
        for opt in seg.options:
            if opt.kind == 2 and len(opt.data) == 2:
                mss = int.from_bytes(opt.data, "big")
                return (value.min <= mss <= value.max) != value.invert
        return value.invert
