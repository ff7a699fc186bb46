"""``-j LED`` (libxt_LED.c, kernel xt_LED.c): blink an LED trigger.

This machine's kernel has no xt_LED: iptables warns when loading the
extension and the kernel refuses every rule (ENOENT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import strtoui
from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict

_INFINITE = 0xFFFFFFFF  # ``led->delay = -1`` in a u32


@dataclass(frozen=True, slots=True)
class Led:
    """``struct xt_led_info``: ``id`` without its ``netfilter-`` prefix."""

    id: str
    delay: int = 0
    always_blink: bool = False


def _escaped(text: str) -> str:
    return "".join("\\" + ch if ch in '"\\' else ch for ch in text)


def _as_int(delay: int) -> int:
    """``printf("%d")`` of the u32 delay."""
    return delay - 2**32 if delay >= 2**31 else delay


@register
class LedTarget(TargetExtension):
    name = "LED"
    kernel_missing = True
    options = (
        # the id becomes "netfilter-<id>" in a char[27]
        Opt("led-trigger-id", OptType.STRING, mand=True, max=27 - len("netfilter-") - 1),
        Opt("led-delay", OptType.STRING),
        Opt("led-always-blink"),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        arg = call.arg or ""
        if call.opt.id == "led-delay":
            if arg[:3].lower() == "inf":
                call.data["delay"] = _INFINITE
            else:
                delay = strtoui(arg, 0, 0xFFFFFFFF)
                if delay is None:
                    raise ParameterProblem("Delay value must be within range 0..4294967295")
                call.data["delay"] = delay

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Led:
        return Led(data.get("led-trigger-id", ""), data.get("delay", 0), "led-always-blink" in seen)

    def print(self, value: Led, show: Show) -> str:
        out = f' led-trigger-id:"{_escaped(value.id)}"'
        out += (
            " led-delay:inf" if value.delay == _INFINITE else f" led-delay:{_as_int(value.delay)}ms"
        )
        return out + (" led-always-blink" if value.always_blink else "")

    def save(self, value: Led, show: Show) -> str:
        out = f' --led-trigger-id "{_escaped(value.id)}"'
        if value.delay == _INFINITE:
            out += " --led-delay inf"
        elif value.delay:
            out += f" --led-delay {_as_int(value.delay)}"
        return out + (" --led-always-blink" if value.always_blink else "")

    def target(self, value: Led, skb: Skb, env: Env) -> XtVerdict:
        """``led_tg``: fire the trigger (recorded as an event)."""
        env.events.append(("LED", f"netfilter-{value.id}"))
        return XtVerdict.CONTINUE
