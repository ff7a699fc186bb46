"""``-m quota`` (libxt_quota.c, kernel xt_quota.c): match until N bytes have passed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Quota:
    quota: int
    invert: bool = False


@dataclass
class QuotaLeft:
    """``struct xt_quota_priv``: the bytes left, shared by the rule's evaluations."""

    left: int


@register
class QuotaMatch(MatchExtension):
    name = "quota"
    options = (Opt("quota", OptType.UINT64, mand=True, invert=True),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Quota | None:
        if "quota" not in data:
            return None  # the generic check reports the missing --quota
        return Quota(data["quota"], bool(data.get("quota!")))

    def save(self, value: Quota, show: Show) -> str:
        return f"{' !' if value.invert else ''} --quota {value.quota}"

    def print(self, value: Quota, show: Show) -> str:
        return f" quota: {value.quota} bytes"

    def matches(self, value: Quota, skb: Skb, env: Env) -> bool:
        """``quota_mt``: a packet that fits is counted and matches; the first one that
        does not fit empties the quota for good."""
        state = env.rule_state("quota", value, lambda: QuotaLeft(value.quota))
        length = skb.packet.length
        if state.left >= length:
            state.left -= length
            return not value.invert
        state.left = 0
        return value.invert
