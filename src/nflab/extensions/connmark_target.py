"""``-j CONNMARK`` (libxt_CONNMARK.c revision 2, kernel xt_connmark.c ``connmark_tg_shift``).

Sets the conntrack entry's mark (XOR-mark like ``-j MARK``), saves the packet
mark into it or restores it from it, each through masks and an optional shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.marks import ALL_ONES
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict
from .mark_target import XMark, xmark_from_option, xmark_words

_OPS = ("set-mark", "save-mark", "restore-mark", "and-mark", "or-mark", "xor-mark", "set-xmark")
_XMARK_KEYS = ("set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark")


class MarkedConn(Protocol):
    """What CONNMARK needs of a conntrack entry (``ct->mark``)."""

    mark: int


@dataclass(frozen=True, slots=True)
class Connmark:
    """``struct xt_connmark_tginfo2``; ``mode`` is set, save or restore."""

    mode: str
    ctmark: int = 0
    ctmask: int = ALL_ONES
    nfmask: int = ALL_ONES
    shift_right: bool = False
    shift_bits: int = 0


def _shift(value: int, info: Connmark) -> int:
    # a u32 shifted by 32 is undefined in C; x86 masks the count to 5 bits
    bits = info.shift_bits & 31
    return value >> bits if info.shift_right else (value << bits) & ALL_ONES


@register
class ConnmarkTarget(TargetExtension):
    name = "CONNMARK"
    revision = 2
    needs_conntrack = True
    options = (
        Opt("set-xmark", OptType.MARKMASK32, excl=_OPS),
        Opt("set-mark", OptType.MARKMASK32, excl=_OPS),
        Opt("and-mark", OptType.UINT32, excl=_OPS),
        Opt("or-mark", OptType.UINT32, excl=_OPS),
        Opt("xor-mark", OptType.UINT32, excl=_OPS),
        Opt("save-mark", excl=_OPS),
        Opt("restore-mark", excl=_OPS),
        Opt("left-shift-mark", OptType.UINT8, max=32),
        Opt("right-shift-mark", OptType.UINT8, max=32),
        Opt("ctmask", OptType.UINT32, excl=("mask",)),
        Opt("nfmask", OptType.UINT32, excl=("mask",)),
        Opt("mask", OptType.UINT32, excl=("ctmask", "nfmask")),
    )

    def new_state(self) -> dict[str, Any]:
        # ``connmark_tg_init_v2``: the masks default to all ones for save/restore
        return {"ctmask": ALL_ONES, "nfmask": ALL_ONES}

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key = call.data, call.opt.id
        if key in _XMARK_KEYS:
            xmark = xmark_from_option(key, call.value)
            d.update(mode="set", ctmark=xmark.mark, ctmask=xmark.mask)
        elif key in ("save-mark", "restore-mark"):
            d["mode"] = key.removesuffix("-mark")
        elif key == "mask":
            d["ctmask"] = d["nfmask"] = call.value
        elif key in ("ctmask", "nfmask"):
            d[key] = call.value
        else:
            d["shift_right"] = key == "right-shift-mark"
            d["shift_bits"] = call.value

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Connmark:
        if not seen & set(_OPS):
            raise ParameterProblem("CONNMARK target: No operation specified")
        return Connmark(**data)

    def print(self, value: Connmark, show: Show) -> str:
        if value.mode == "set":
            out = " CONNMARK " + xmark_words(XMark(value.ctmark, value.ctmask))
        else:
            # save copies nfmark to ctmark, restore the other way: each names its source first
            src, dst = ("nf", "ct") if value.mode == "save" else ("ct", "nf")
            smask = value.nfmask if value.mode == "save" else value.ctmask
            dmask = value.ctmask if value.mode == "save" else value.nfmask
            out = f" CONNMARK {value.mode}"
            if smask == dmask == ALL_ONES:
                pass
            elif smask == dmask:
                out += f" mask 0x{smask:x}"
            else:
                out += f" {src}mask 0x{smask:x} {dst}mask ~0x{dmask:x}"
        if value.shift_bits:
            out += f" {'right' if value.shift_right else 'left'}-shift-mark {value.shift_bits}"
        return out

    def save(self, value: Connmark, show: Show) -> str:
        if value.mode == "set":
            out = f" --set-xmark 0x{value.ctmark:x}/0x{value.ctmask:x}"
        else:
            out = f" --{value.mode}-mark --nfmask 0x{value.nfmask:x} --ctmask 0x{value.ctmask:x}"
        if value.shift_bits:
            out += f" --{'right' if value.shift_right else 'left'}-shift-mark {value.shift_bits}"
        return out

    def target(self, value: Connmark, skb: Skb, env: Env) -> XtVerdict:
        """``connmark_tg_shift``: no conntrack entry (untracked, invalid) changes nothing."""
        ct: MarkedConn | None = skb.ct
        if ct is None:
            return XtVerdict.CONTINUE
        if value.mode == "set":
            ct.mark = _shift((ct.mark & ~value.ctmask) ^ value.ctmark, value) & ALL_ONES
        elif value.mode == "save":
            ct.mark = (
                (ct.mark & ~value.ctmask) ^ _shift(skb.mark & value.nfmask, value)
            ) & ALL_ONES
        else:
            skb.mark = (
                (skb.mark & ~value.nfmask) ^ _shift(ct.mark & value.ctmask, value)
            ) & ALL_ONES
        return XtVerdict.CONTINUE
