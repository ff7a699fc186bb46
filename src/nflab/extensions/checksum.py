"""``-j CHECKSUM`` (libxt_CHECKSUM.c, kernel xt_CHECKSUM.c): fill in a checksum the
kernel left for the hardware to compute."""

from __future__ import annotations

from typing import Any

from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Opt
from ..netfilter.skb import Env, Skb, XtVerdict


@register
class ChecksumTarget(TargetExtension):
    name = "CHECKSUM"
    tables = frozenset({"mangle"})
    options = (Opt("checksum-fill", mand=True),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> bool:
        return "checksum-fill" in seen

    def print(self, value: bool, show: Show) -> str:
        return " CHECKSUM fill" if value else " CHECKSUM"

    def save(self, value: bool, show: Show) -> str:
        return " --checksum-fill" if value else ""

    def target(self, value: bool, skb: Skb, env: Env) -> XtVerdict:
        """``checksum_tg``: nflab's packets always carry complete checksums (there is no
        CHECKSUM_PARTIAL offload to resolve), so nothing changes."""
        return XtVerdict.CONTINUE
