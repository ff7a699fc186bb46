"""``-m mark`` (libxt_mark.c revision 1, kernel xt_mark.c): the packet's nfmark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.marks import mark_matches, print_mark_mask
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class MarkMask:
    """``struct xt_mark_mtinfo1`` (also ``xt_connmark_mtinfo1``)."""

    mark: int
    mask: int = 0xFFFFFFFF
    invert: bool = False


MARK_OPTIONS = (Opt("mark", OptType.MARKMASK32, mand=True, invert=True),)


def mark_value(data: dict[str, Any]) -> MarkMask | None:
    """The value both mark and connmark build from their one ``--mark`` option."""
    if "mark" not in data:
        return None  # the generic check reports the missing --mark
    mark, mask = data["mark"]
    return MarkMask(mark, mask, bool(data.get("mark!")))


def save_mark(value: MarkMask) -> str:
    return (" !" if value.invert else "") + " --mark" + print_mark_mask(value.mark, value.mask)


@register
class MarkMatch(MatchExtension):
    name = "mark"
    revision = 1
    options = MARK_OPTIONS

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> MarkMask | None:
        return mark_value(data)

    def save(self, value: MarkMask, show: Show) -> str:
        return save_mark(value)

    def print(self, value: MarkMask, show: Show) -> str:
        return " mark match" + (" !" if value.invert else "") + print_mark_mask(value.mark, value.mask)

    def matches(self, value: MarkMask, skb: Skb, env: Env) -> bool:
        """``mark_mt``: ``((skb->mark & mask) == mark) ^ invert``."""
        return mark_matches(skb.mark, value.mark, value.mask) != value.invert
