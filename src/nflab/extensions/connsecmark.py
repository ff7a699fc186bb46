"""``-j CONNSECMARK`` (libxt_CONNSECMARK.c, kernel xt_CONNSECMARK.c): copy the security
mark between the packet and its conntrack entry."""

from __future__ import annotations

from typing import Any, Protocol

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Opt
from ..netfilter.skb import Env, Skb, XtVerdict


class SecmarkedConn(Protocol):
    """What CONNSECMARK needs of a conntrack entry (``ct->secmark``)."""

    secmark: int


@register
class ConnsecmarkTarget(TargetExtension):
    name = "CONNSECMARK"
    needs_conntrack = True
    options = (Opt("save", excl=("restore",)), Opt("restore", excl=("save",)))

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> str:
        if not seen:
            raise ParameterProblem("CONNSECMARK target: parameter required")
        return "save" if "save" in seen else "restore"

    def print(self, value: str, show: Show) -> str:
        return f" CONNSECMARK {value}"

    def save(self, value: str, show: Show) -> str:
        return f" --{value}"

    def check(self, value: str, rule: RuleContext) -> None:
        if rule.table not in ("mangle", "security"):
            raise KernelRejected(
                "EINVAL", f"only valid in 'mangle' or 'security' table, not '{rule.table}'"
            )

    def target(self, value: str, skb: Skb, env: Env) -> XtVerdict:
        """``secmark_save``: only a marked packet, only into an unmarked entry;
        ``secmark_restore``: only into an unmarked packet, only from a marked entry."""
        ct: SecmarkedConn | None = skb.ct
        if ct is None:
            return XtVerdict.CONTINUE
        if value == "save":
            if skb.secmark and not ct.secmark:
                ct.secmark = skb.secmark
        elif not skb.secmark and ct.secmark:
            skb.secmark = ct.secmark
        return XtVerdict.CONTINUE
