"""``-j TOS`` (libxt_TOS.c revision 1, kernel xt_DSCP.c ``tos_tg``): rewrite the IPv4 TOS
byte as ``(tos & ~mask) ^ value``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.tosdscp import tos_symbol
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict

_ANY = ("set-tos", "and-tos", "or-tos", "xor-tos")


@dataclass(frozen=True, slots=True)
class TosChange:
    """``struct xt_tos_target_info``."""

    value: int
    mask: int


@register
class TosTarget(TargetExtension):
    name = "TOS"
    revision = 1
    tables = frozenset({"mangle"})
    options = (
        # a symbolic name clears the 0x3f bits only (the entry's max is the default mask)
        Opt("set-tos", OptType.TOSMASK, excl=_ANY, max=0x3F),
        Opt("and-tos", OptType.UINT8, excl=_ANY),
        Opt("or-tos", OptType.UINT8, excl=_ANY),
        Opt("xor-tos", OptType.UINT8, excl=_ANY),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key, v = call.opt.id, call.value
        if key == "set-tos":
            change = TosChange(*v)
        elif key == "and-tos":
            change = TosChange(0, ~v & 0xFF)
        elif key == "or-tos":
            change = TosChange(v, v)
        else:
            change = TosChange(v, 0)
        call.data["change"] = change

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> TosChange:
        if not seen:
            raise ParameterProblem("TOS: An action is required")
        change: TosChange = data["change"]
        return change

    def print(self, value: TosChange, show: Show) -> str:
        if show.numeric:
            return f" TOS set 0x{value.value:02x}/0x{value.mask:02x}"
        name = tos_symbol(value.value, value.mask)
        if name is not None:
            # ``tos_try_print_symbolic(" TOS set", ...)`` prints " %s%s": a double space
            # before TOS, none between "set" and the name
            return f"  TOS set{name}"
        if value.value == 0:
            return f" TOS and 0x{~value.mask & 0xFF:02x}"
        if value.value == value.mask:
            return f" TOS or 0x{value.value:02x}"
        if value.mask == 0:
            return f" TOS xor 0x{value.value:02x}"
        return f" TOS set 0x{value.value:02x}/0x{value.mask:02x}"

    def save(self, value: TosChange, show: Show) -> str:
        return f" --set-tos 0x{value.value:02x}/0x{value.mask:02x}"

    def target(self, value: TosChange, skb: Skb, env: Env) -> XtVerdict:
        """``tos_tg``: the whole TOS byte, ECN bits included, under the mask."""
        ip = skb.packet.ip
        tos = ((ip.tos & ~value.mask) ^ value.value) & 0xFF
        if tos != ip.tos:
            skb.packet = replace(skb.packet, ip=replace(ip, tos=tos))
        return XtVerdict.CONTINUE
