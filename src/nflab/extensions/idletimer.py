"""``-j IDLETIMER`` (libxt_IDLETIMER.c revision 1, kernel xt_IDLETIMER.c): restart a named
timer on every packet; userspace is notified when it runs out.

nflab keeps each label's expiry time in ``env.services["idletimer"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict

LABEL_SIZE = 28  # MAX_IDLETIMER_LABEL_SIZE
_INT_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class IdleTimer:
    """``struct idletimer_tg_info_v1``."""

    timeout: int
    label: str
    alarm: bool = False


@register
class IdletimerTarget(TargetExtension):
    name = "IDLETIMER"
    revision = 1
    options = (
        Opt("timeout", OptType.UINT32, mand=True),
        Opt("label", OptType.STRING, mand=True),
        Opt("alarm"),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> IdleTimer:
        label = put_string(data.get("label", ""), LABEL_SIZE)
        return IdleTimer(data.get("timeout", 0), label, "alarm" in seen)

    def print(self, value: IdleTimer, show: Show) -> str:
        return f" timeout:{value.timeout} label:{value.label}" + (" alarm" if value.alarm else "")

    def save(self, value: IdleTimer, show: Show) -> str:
        return f" --timeout {value.timeout} --label {value.label}" + (
            " --alarm" if value.alarm else ""
        )

    def check(self, value: IdleTimer, rule: RuleContext) -> None:
        """``idletimer_tg_helper`` and the v1 checkentry (a label shared with a rule of the
        other timer type is refused too; nflab does not see other rules here)."""
        if value.timeout == 0 or value.timeout >= _INT_MAX // 1000:
            raise KernelRejected("EINVAL", "timeout value is zero or too big")
        if not value.label:
            raise KernelRejected("EINVAL", "label is empty or too long")
        if value.label == "power":
            raise KernelRejected("EINVAL", "label 'power' not allowed")

    def target(self, value: IdleTimer, skb: Skb, env: Env) -> XtVerdict:
        """``idletimer_tg_target``: ``mod_timer(now + timeout)`` for the label."""
        timers: dict[str, float] = env.services.setdefault("idletimer", {})
        timers[value.label] = env.now + value.timeout
        return XtVerdict.CONTINUE
