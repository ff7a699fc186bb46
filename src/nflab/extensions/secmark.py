"""``-j SECMARK`` (libxt_SECMARK.c revision 1, kernel xt_SECMARK.c): set the packet's
security mark from an SELinux context.

This machine's kernel runs no security module, so the context never maps to a
secid and the kernel refuses every such rule (ENOENT), as the real one does.
"""

from __future__ import annotations

from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict


@register
class SecmarkTarget(TargetExtension):
    name = "SECMARK"
    revision = 1
    options = (Opt("selctx", OptType.STRING, mand=True),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> str:
        return put_string(data.get("selctx", ""), 256)

    def print(self, value: str, show: Show) -> str:
        return f" SECMARK selctx {value}"

    def save(self, value: str, show: Show) -> str:
        return f" --selctx {value}"

    def check(self, value: str, rule: RuleContext) -> None:
        if rule.table not in ("mangle", "security"):
            raise KernelRejected(
                "EINVAL", f"only valid in 'mangle' or 'security' table, not '{rule.table}'"
            )
        raise KernelRejected("ENOENT", f"unable to map security context '{value}'")

    def target(self, value: str, skb: Skb, env: Env) -> XtVerdict:
        raise NotImplementedError("SECMARK: nflab models no security module to map contexts")
