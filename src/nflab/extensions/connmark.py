"""``-m connmark`` (libxt_connmark.c revision 1, kernel xt_connmark.c): the conntrack mark."""

from __future__ import annotations

from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.marks import mark_matches, print_mark_mask
from ..netfilter.skb import Env, Skb
from .mark import MARK_OPTIONS, MarkMask, mark_value, save_mark


@register
class ConnmarkMatch(MatchExtension):
    name = "connmark"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    revision = 1
    options = MARK_OPTIONS

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> MarkMask | None:
        return mark_value(data)

    def save(self, value: MarkMask, show: Show) -> str:
        return save_mark(value)

    def print(self, value: MarkMask, show: Show) -> str:
        # ``" connmark match "`` then ``" 0x.."``: the C code prints two spaces
        inv = "!" if value.invert else ""
        return " connmark match " + inv + print_mark_mask(value.mark, value.mask)

    def matches(self, value: MarkMask, skb: Skb, env: Env) -> bool:
        """``connmark_mt``: no conntrack entry never matches (whatever the invert)."""
        if skb.ct is None:
            return False
        return mark_matches(skb.ct.mark, value.mark, value.mask) != value.invert
