"""``-m dscp`` (libxt_dscp.c, kernel xt_dscp.c ``dscp_mt``): the six DSCP bits of the TOS byte."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.tosdscp import class_to_dscp
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

DSCP_MAX = 0x3F


@dataclass(frozen=True, slots=True)
class Dscp:
    """``struct xt_dscp_info``."""

    dscp: int
    invert: bool = False


@register
class DscpMatch(MatchExtension):
    name = "dscp"
    options = (
        Opt("dscp", OptType.UINT8, max=DSCP_MAX, invert=True, excl=("dscp-class",)),
        Opt("dscp-class", OptType.STRING, invert=True, excl=("dscp",)),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d = call.data
        d["value"] = call.value if call.opt.id == "dscp" else class_to_dscp(call.arg or "")
        if call.invert:
            d["invert"] = True

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Dscp:
        if not seen:
            raise ParameterProblem("DSCP match: Parameter --dscp is required")
        return Dscp(data["value"], bool(data.get("invert")))

    def save(self, value: Dscp, show: Show) -> str:
        return f"{' !' if value.invert else ''} --dscp 0x{value.dscp:02x}"

    def print(self, value: Dscp, show: Show) -> str:
        return f" DSCP match {'!' if value.invert else ''}0x{value.dscp:02x}"

    def check(self, value: Dscp, rule: RuleContext) -> None:
        if value.dscp > DSCP_MAX:
            raise KernelRejected("EDOM")

    def matches(self, value: Dscp, skb: Skb, env: Env) -> bool:
        return ((skb.packet.ip.tos >> 2) == value.dscp) != value.invert
