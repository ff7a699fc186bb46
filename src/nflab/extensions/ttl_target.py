"""``-j TTL`` (libipt_TTL.c, kernel xt_HL.c ``ttl_tg``): set, raise or lower the IPv4 TTL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict

_ANY = ("ttl-set", "ttl-inc", "ttl-dec")
_WORDS = {"set": "set to", "dec": "decrement by", "inc": "increment by"}


@dataclass(frozen=True, slots=True)
class TtlChange:
    """``struct ipt_TTL_info``: ``mode`` is set, inc or dec."""

    mode: str
    ttl: int


@register
class TtlTarget(TargetExtension):
    name = "TTL"
    tables = frozenset({"mangle"})
    options = (
        Opt("ttl-set", OptType.UINT8, excl=_ANY),
        Opt("ttl-dec", OptType.UINT8, excl=_ANY, min=1),
        Opt("ttl-inc", OptType.UINT8, excl=_ANY, min=1),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> TtlChange:
        if not seen:
            raise ParameterProblem("TTL: You must specify an action")
        # the options share one field: with several (an error reported next) the first kept
        key = next(k for k in data if k in _ANY)
        return TtlChange(key.removeprefix("ttl-"), data[key])

    def print(self, value: TtlChange, show: Show) -> str:
        return f" TTL {_WORDS[value.mode]} {value.ttl}"

    def save(self, value: TtlChange, show: Show) -> str:
        return f" --ttl-{value.mode} {value.ttl}"

    def check(self, value: TtlChange, rule: RuleContext) -> None:
        if value.mode != "set" and value.ttl == 0:
            raise KernelRejected("EINVAL")

    def target(self, value: TtlChange, skb: Skb, env: Env) -> XtVerdict:
        """``ttl_tg``: increments stop at 255, decrements at 0."""
        ip = skb.packet.ip
        if value.mode == "set":
            ttl = value.ttl
        elif value.mode == "inc":
            ttl = min(ip.ttl + value.ttl, 255)
        else:
            ttl = max(ip.ttl - value.ttl, 0)
        if ttl != ip.ttl:
            skb.packet = replace(skb.packet, ip=replace(ip, ttl=ttl))
        return XtVerdict.CONTINUE
