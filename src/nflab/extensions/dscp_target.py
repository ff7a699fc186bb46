"""``-j DSCP`` (libxt_DSCP.c, kernel xt_DSCP.c ``dscp_tg``): set the six DSCP bits of the
TOS byte, keeping the two ECN bits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.tosdscp import class_to_dscp
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict

DSCP_MAX = 0x3F


@register
class DscpTarget(TargetExtension):
    name = "DSCP"
    tables = frozenset({"mangle"})
    options = (
        Opt("set-dscp", OptType.UINT8, max=DSCP_MAX, excl=("set-dscp-class",)),
        Opt("set-dscp-class", OptType.STRING, excl=("set-dscp",)),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        arg = call.arg or ""
        call.data["dscp"] = call.value if call.opt.id == "set-dscp" else class_to_dscp(arg)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> int:
        if not seen:
            raise ParameterProblem("DSCP target: Parameter --set-dscp is required")
        dscp: int = data["dscp"]
        return dscp

    def print(self, value: int, show: Show) -> str:
        return f" DSCP set 0x{value:02x}"

    def save(self, value: int, show: Show) -> str:
        return f" --set-dscp 0x{value:02x}"

    def check(self, value: int, rule: RuleContext) -> None:
        if value > DSCP_MAX:
            raise KernelRejected("EDOM", f"dscp {value:x} out of range")

    def target(self, value: int, skb: Skb, env: Env) -> XtVerdict:
        """``dscp_tg``: ``ipv4_change_dsfield(iph, 0x03, dscp << 2)`` when it differs."""
        ip = skb.packet.ip
        if ip.tos >> 2 != value:
            skb.packet = replace(skb.packet, ip=replace(ip, tos=(ip.tos & 0x03) | (value << 2)))
        return XtVerdict.CONTINUE
