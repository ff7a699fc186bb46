"""``-m ttl`` (libipt_ttl.c, kernel ipt_ttl.c): compare the IPv4 time to live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

_ANY = ("eq", "lt", "gt")
# mode: (save option, -L operator); IPT_TTL_EQ, NE, LT, GT
_MODES = {
    "eq": ("--ttl-eq", "=="),
    "ne": ("! --ttl-eq", "!="),
    "lt": ("--ttl-lt", "<"),
    "gt": ("--ttl-gt", ">"),
}


@dataclass(frozen=True, slots=True)
class Ttl:
    """``struct ipt_ttl_info``: ``mode`` is eq, ne, lt or gt."""

    mode: str
    ttl: int


@register
class TtlMatch(MatchExtension):
    name = "ttl"
    options = (
        Opt("ttl-lt", OptType.UINT8, key="lt", excl=_ANY),
        Opt("ttl-gt", OptType.UINT8, key="gt", excl=_ANY),
        Opt("ttl-eq", OptType.UINT8, key="eq", excl=_ANY, invert=True),
        Opt("ttl", OptType.UINT8, key="eq", excl=_ANY),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        call.data["ttl"] = Ttl("ne" if key == "eq" and call.invert else key, call.value)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Ttl:
        if not seen:
            raise ParameterProblem(
                "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt"
            )
        ttl: Ttl = data["ttl"]
        return ttl

    def save(self, value: Ttl, show: Show) -> str:
        return f" {_MODES[value.mode][0]} {value.ttl}"

    def print(self, value: Ttl, show: Show) -> str:
        return f" TTL match TTL {_MODES[value.mode][1]} {value.ttl}"

    def matches(self, value: Ttl, skb: Skb, env: Env) -> bool:
        ttl = skb.packet.ip.ttl
        return {
            "eq": ttl == value.ttl,
            "ne": ttl != value.ttl,
            "lt": ttl < value.ttl,
            "gt": ttl > value.ttl,
        }[value.mode]
