"""``-j RATEEST`` (libxt_RATEEST.c, kernel xt_RATEEST.c): count packets into a named rate
estimator (``env.services["rateest"]``) that ``-m rateest`` compares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import strtod
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.estimator import RateEstimator
from ..netfilter.skb import Env, Skb, XtVerdict

_USEC = 1_000_000
_UNITS = {
    "s": _USEC,
    "sec": _USEC,
    "secs": _USEC,
    "ms": 1000,
    "msec": 1000,
    "msecs": 1000,
    "us": 1,
    "usec": 1,
    "usecs": 1,
}


@dataclass(frozen=True, slots=True)
class Rateest:
    """``struct xt_rateest_target_info``: ``interval`` -2..3, ``ewma_log`` 1..30."""

    name: str
    interval: int
    ewma_log: int


def parse_time(arg: str) -> int | None:
    """``RATEEST_get_time``: a number (microseconds) with an optional unit, into a u32."""
    t, end = strtod(arg)
    if t is None:
        return None
    unit = arg[end:].lower()
    if unit:
        if unit not in _UNITS:
            return None
        t *= _UNITS[unit]
    # the double -> unsigned conversion of x86-64: via a 64-bit integer, low 32 bits kept
    whole = int(t) if math.isfinite(t) and abs(t) < 2**63 else -(2**63)
    return whole & 0xFFFFFFFF


def time_text(usec: int) -> str:
    """``RATEEST_print_time``."""
    if usec >= _USEC:
        return f" {usec / _USEC:.1f}s"
    if usec >= 1000:
        return f" {usec / 1000:.1f}ms"
    return f" {usec}us"


def _c_int_pow2(n: int) -> int:
    """``1 << n`` as a C int (``1 << 31`` is INT_MIN on every compiler nflab mimics)."""
    return -(2**31) if n == 31 else 1 << n


@register
class RateestTarget(TargetExtension):
    name = "RATEEST"
    options = (
        Opt("rateest-name", OptType.STRING, mand=True),
        Opt("rateest-interval", OptType.STRING, mand=True),
        Opt("rateest-ewmalog", OptType.STRING, mand=True),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        if key == "rateest-name":
            call.data["name"] = put_string(call.arg or "", 16)
            return
        usec = parse_time(call.arg or "")
        if usec is None:
            what = "interval" if key == "rateest-interval" else "ewmalog"
            raise ParameterProblem(f'RATEEST: bad {what} value "{call.arg}"')
        call.data[key] = usec

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Rateest:
        """``RATEEST_final_check``: the smallest interval step covering the interval, and the
        largest averaging weight whose time constant still exceeds the ewmalog."""
        interval_us = data.get("rateest-interval", 0)
        ewma_us = data.get("rateest-ewmalog", 0)
        step = next((i for i in range(6) if interval_us <= (1 << i) * (_USEC // 4)), None)
        if step is None:
            raise ParameterProblem("RATEEST: interval value is too large")
        ewma_log = 32
        for n in range(1, 32):
            w = 1.0 - 1.0 / _c_int_pow2(n)
            if interval_us / -math.log(w) > ewma_us:
                ewma_log = n
                break
        ewma_log -= 1
        if ewma_log == 0 or ewma_log >= 31:
            raise ParameterProblem("RATEEST: ewmalog value is out of range")
        return Rateest(data.get("name", ""), step - 2, ewma_log)

    def _text(self, value: Rateest, prefix: str) -> str:
        interval = (_USEC << (value.interval + 2)) // 4
        ewma = (interval * (1 << value.ewma_log)) & 0xFFFFFFFF  # an unsigned int product
        return (
            f" {prefix}name {value.name} {prefix}interval{time_text(interval)}"
            f" {prefix}ewmalog{time_text(ewma)}"
        )

    def print(self, value: Rateest, show: Show) -> str:
        return self._text(value, "")

    def save(self, value: Rateest, show: Show) -> str:
        return self._text(value, "--rateest-")

    def check(self, value: Rateest, rule: RuleContext) -> None:
        """``gen_new_estimator``'s limits (an estimator of the same name made by another
        rule with other parameters is refused too; nflab does not see other rules here)."""
        if not -2 <= value.interval <= 3 or not 0 < value.ewma_log < 31:
            raise KernelRejected("EINVAL")

    def target(self, value: Rateest, skb: Skb, env: Env) -> XtVerdict:
        """``xt_rateest_tg``: add the packet to the estimator's byte and packet counts."""
        estimators: dict[str, RateEstimator] = env.services.setdefault("rateest", {})
        est = estimators.get(value.name)
        if est is None:
            est = estimators[value.name] = RateEstimator(value.interval, value.ewma_log, env.now)
        est.add(skb.packet.length, env.now)
        return XtVerdict.CONTINUE
