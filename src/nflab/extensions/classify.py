"""``-j CLASSIFY`` (libxt_CLASSIFY.c, kernel xt_CLASSIFY.c): set ``skb->priority``, the tc
class ``MAJOR:MINOR`` (hexadecimal)."""

from __future__ import annotations

from typing import Any

from ..iptables.cnum import UINTMAX, strtoumax
from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict

_SPACE = " \t\n\r\f\v"


def _scan_hex(text: str, pos: int) -> tuple[int | None, int]:
    """One ``%x`` of sscanf: white space, a sign, ``0x``, hex digits; stored in a u32."""
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    value, used, overflow = strtoumax(text[pos:], 16)
    if value is None:
        return None, pos
    if (
        text[pos + used : pos + used + 1] in ("x", "X")
        and text[pos : pos + used].lstrip("+-") == "0"
    ):
        used += 1  # glibc's scanf consumes a ``0x`` prefix even when no hex digit follows
    return (UINTMAX if overflow else value) & 0xFFFFFFFF, pos + used


def parse_class(arg: str) -> int | None:
    """``CLASSIFY_string_to_priority``: ``sscanf("%x:%x")`` (anything may follow), then
    ``TC_H_MAKE(major << 16, minor)``."""
    major, pos = _scan_hex(arg, 0)
    if major is None or arg[pos : pos + 1] != ":":
        return None
    minor, _ = _scan_hex(arg, pos + 1)
    if minor is None:
        return None
    return ((major << 16) & 0xFFFF0000) | (minor & 0xFFFF)


@register
class ClassifyTarget(TargetExtension):
    name = "CLASSIFY"
    tables = frozenset({"mangle"})
    hooks = frozenset({"OUTPUT", "FORWARD", "POSTROUTING"})
    options = (Opt("set-class", OptType.STRING, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        priority = parse_class(call.arg or "")
        if priority is None:
            raise ParameterProblem(f'Bad class value "{call.arg}"')
        call.data["priority"] = priority

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> int:
        priority: int = data.get("priority", 0)
        return priority

    def print(self, value: int, show: Show) -> str:
        return f" CLASSIFY set {value >> 16:x}:{value & 0xFFFF:x}"

    def save(self, value: int, show: Show) -> str:
        return f" --set-class {value >> 16:04x}:{value & 0xFFFF:04x}"

    def target(self, value: int, skb: Skb, env: Env) -> XtVerdict:
        """``classify_tg``: ``skb->priority = priority``."""
        skb.priority = value
        return XtVerdict.CONTINUE
