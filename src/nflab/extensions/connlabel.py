"""``-m connlabel`` (libxt_connlabel.c, kernel xt_connlabel.c): conntrack label bits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..iptables.cnum import strtoumax
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

LABELS_FILE = "/etc/xtables/connlabel.conf"
NF_CT_LABELS_MAX_BITS = 128


@dataclass(frozen=True, slots=True)
class Connlabel:
    """``struct xt_connlabel_mtinfo``. Its ``userspacesize`` is 0 (``offsetof(bit)``),
    so iptables -D/-C consider any two connlabel matches equal: so do we."""

    bit: int = field(compare=False)
    invert: bool = field(default=False, compare=False)
    set: bool = field(default=False, compare=False)


def _label_value(text: str) -> int:
    """``connlabel_value_parse``: ``strtoul(in, &end, 0)`` into an int, -1 when not a number."""
    value, end, _ = strtoumax(text, 0)
    if text == "" or value is None or end != len(text):
        return -1
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


@register
class ConnlabelMatch(MatchExtension):
    name = "connlabel"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    options = (
        Opt("label", OptType.STRING, min=1, mand=True, invert=True),
        Opt("set", OptType.NONE),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        if call.opt.id != "label":
            return
        bit = _label_value(call.arg or "")
        if bit < 0:
            # a name: nflab machines have no label map, as this one has none
            call.warnings.append(
                f"Warning: cannot open {LABELS_FILE}: No such file or directory"
            )
            raise ParameterProblem(f"label '{call.arg}' not found or invalid value")
        call.data["bit"] = bit & 0xFFFF  # stored in a __u16

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Connlabel | None:
        if "bit" not in data:
            return None  # the generic check reports the missing --label
        return Connlabel(data["bit"], bool(data.get("label!")), "set" in seen)

    def save(self, value: Connlabel, show: Show) -> str:
        out = (" !" if value.invert else "") + f' --label "{value.bit}"'
        return out + (" --set" if value.set else "")

    def print(self, value: Connlabel, show: Show) -> str:
        out = " connlabel" + (" !" if value.invert else "") + f" {value.bit}"
        return out + (" set" if value.set else "")

    def check(self, value: Connlabel, rule: RuleContext) -> None:
        if value.bit >= NF_CT_LABELS_MAX_BITS:  # nf_connlabels_get
            raise KernelRejected("ERANGE")

    def matches(self, value: Connlabel, skb: Skb, env: Env) -> bool:
        """``connlabel_mt``: the bit is set; with ``--set`` set it (and match)."""
        ct = skb.ct
        if ct is None:
            return value.invert
        if ct.labels >> value.bit & 1:
            return not value.invert
        if value.set:
            ct.labels |= 1 << value.bit
            return not value.invert
        return value.invert
