"""``-j AUDIT`` (libxt_AUDIT.c, kernel xt_AUDIT.c): send an audit record for the packet.

The type (accept, drop, reject) is only sanity-checked by the kernel; the
record says the packet's mark, addresses and protocol. nflab appends it to
``env.events`` as ``("AUDIT", text)``.
"""

from __future__ import annotations

from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict

TYPES = ("accept", "drop", "reject")


@register
class AuditTarget(TargetExtension):
    name = "AUDIT"
    options = (Opt("type", OptType.STRING, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        kind = (call.arg or "").lower()
        if kind not in TYPES:
            raise ParameterProblem(f'Bad action type value "{call.arg}"')
        call.data["type"] = kind

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> str:
        kind: str = data.get("type", "accept")
        return kind

    def print(self, value: str, show: Show) -> str:
        return f" AUDIT {value}"

    def save(self, value: str, show: Show) -> str:
        return f" --type {value}"

    def target(self, value: str, skb: Skb, env: Env) -> XtVerdict:
        """``audit_tg``: one AUDIT_NETFILTER_PKT record (``mark=%#x saddr= daddr= proto=``)."""
        ip = skb.packet.ip
        mark = f"{skb.mark:#x}" if skb.mark else "0"  # C's %#x prints a bare 0
        env.events.append(("AUDIT", f"mark={mark} saddr={ip.src} daddr={ip.dst} proto={ip.proto}"))
        return XtVerdict.CONTINUE
