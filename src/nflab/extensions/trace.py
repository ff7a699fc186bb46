"""``-j TRACE`` (libxt_TRACE.c, kernel xt_TRACE.c): mark the packet for rule tracing.

iptables-legacy uses the raw-table-only xt target; iptables-nft 1.8.9 writes a
native ``meta nftrace set 1`` instead, which any table accepts.
"""

from __future__ import annotations

from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, TargetExtension, register
from ..netfilter.skb import Env, Skb, XtVerdict


@register
class TraceTarget(TargetExtension):
    name = "TRACE"

    def check(self, value: Any, rule: RuleContext) -> None:
        if rule.flavour == "legacy" and rule.table != "raw":
            raise KernelRejected("EINVAL")  # xt_TRACE's ``.table = "raw"``

    def target(self, value: Any, skb: Skb, env: Env) -> XtVerdict:
        """``trace_tg``: ``skb->nf_trace = 1``."""
        skb.trace = True
        return XtVerdict.CONTINUE
