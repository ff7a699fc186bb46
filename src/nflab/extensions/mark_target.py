"""``-j MARK`` (libxt_MARK.c revision 2, kernel xt_mark.c ``mark_tg``): set the nfmark.

Every form is stored as one XOR-mark: ``--set-mark X/M`` is ``X/(X|M)``,
``--and-mark X`` is ``0/~X``, ``--or-mark X`` is ``X/X``, ``--xor-mark X`` is
``X/0``; the kernel computes ``(mark & ~mask) ^ value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.marks import ALL_ONES
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict

_ANY = ("set-mark", "and-mark", "or-mark", "xor-mark", "set-xmark")


@dataclass(frozen=True, slots=True)
class XMark:
    """``struct xt_mark_tginfo2`` (also the ctmark/ctmask pair of CONNMARK's set mode)."""

    mark: int
    mask: int


def xmark_from_option(key: str, value: Any) -> XMark:
    """The (mark, mask) one of the set/and/or/xor options stands for (``mark_tg_parse``)."""
    if key == "set-xmark":
        return XMark(*value)
    if key == "set-mark":
        mark, mask = value
        return XMark(mark, mark | mask)
    if key == "and-mark":
        return XMark(0, ~value & ALL_ONES)
    if key == "or-mark":
        return XMark(value, value)
    return XMark(value, 0)  # xor-mark


def xmark_words(value: XMark) -> str:
    """How ``-L`` names an XOR-mark: ``and``, ``or``, ``xor``, ``set`` or ``xset``."""
    if value.mark == 0:
        return f"and 0x{~value.mask & ALL_ONES:x}"
    if value.mark == value.mask:
        return f"or 0x{value.mark:x}"
    if value.mask == 0:
        return f"xor 0x{value.mark:x}"
    if value.mask == ALL_ONES:
        return f"set 0x{value.mark:x}"
    return f"xset 0x{value.mark:x}/0x{value.mask:x}"


def apply_xmark(current: int, value: XMark) -> int:
    """``(mark & ~mask) ^ value``, the kernel's one formula for every form."""
    return ((current & ~value.mask) ^ value.mark) & ALL_ONES


# the set/and/or/xor options, in libxt_MARK's table order (shared with CONNMARK)
XMARK_OPTIONS = (
    Opt("set-xmark", OptType.MARKMASK32, excl=_ANY),
    Opt("set-mark", OptType.MARKMASK32, excl=_ANY),
    Opt("and-mark", OptType.UINT32, excl=_ANY),
    Opt("or-mark", OptType.UINT32, excl=_ANY),
    Opt("xor-mark", OptType.UINT32, excl=_ANY),
)


@register
class MarkTarget(TargetExtension):
    name = "MARK"
    revision = 2
    options = XMARK_OPTIONS

    def parse(self, call: Call) -> None:
        generic_parse(call)
        call.data["xmark"] = xmark_from_option(call.opt.id, call.value)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> XMark:
        if not seen:
            raise ParameterProblem(
                "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required"
            )
        xmark: XMark = data["xmark"]
        return xmark

    def save(self, value: XMark, show: Show) -> str:
        return f" --set-xmark 0x{value.mark:x}/0x{value.mask:x}"

    def print(self, value: XMark, show: Show) -> str:
        return " MARK " + xmark_words(value)

    def target(self, value: XMark, skb: Skb, env: Env) -> XtVerdict:
        """``mark_tg``: rewrite ``skb->mark``, then go on with the next rule."""
        skb.mark = apply_xmark(skb.mark, value)
        return XtVerdict.CONTINUE
