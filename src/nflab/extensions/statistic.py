"""``-m statistic`` (libxt_statistic.c, kernel xt_statistic.c): random sampling, every nth.

The probability is stored as a 31-bit fixed-point number (``P * 2^31``,
rounded with ``lround``), so printing it back with ``%.11f`` shows the
rounding: ``0.1`` becomes ``0.10000000009``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

MODE_RANDOM, MODE_NTH = 0, 1
_MODES = {"random": MODE_RANDOM, "nth": MODE_NTH}


@dataclass(frozen=True, slots=True)
class Statistic:
    """``struct xt_statistic_info``; in random mode ``every`` holds the probability
    (the C union), in nth mode ``every`` is already n - 1."""

    mode: int = MODE_RANDOM
    invert: bool = False
    every: int = 0
    packet: int = 0

    @property
    def probability(self) -> int:
        return self.every


def _lround(x: float) -> int:
    """C ``lround`` into the u32 field: halves away from zero; NaN/inf give LONG_MIN (0 here)."""
    if math.isnan(x) or math.isinf(x):
        return 0
    rounded = math.floor(abs(x) + 0.5)
    return (-rounded if x < 0 else rounded) & 0xFFFFFFFF


@register
class StatisticMatch(MatchExtension):
    name = "statistic"
    options = (
        Opt("mode", OptType.STRING, mand=True),
        Opt("probability", OptType.DOUBLE, invert=True, min=0, max=1, excl=("every", "packet")),
        Opt("every", OptType.UINT32, min=1, invert=True, excl=("probability",), also=("packet",)),
        Opt("packet", OptType.UINT32, excl=("probability",), also=("every",)),
    )

    def parse(self, call: Call) -> None:
        d = call.data
        if call.invert:  # set before the generic checks, as statistic_parse does
            d["invert"] = True
        generic_parse(call)
        key = call.opt.id
        if key == "mode":
            mode = _MODES.get(call.value)
            if mode is None:
                raise ParameterProblem(f'Bad mode "{call.arg}"')
            d["mode"] = mode
        elif key == "probability":
            d["every"] = _lround(0x80000000 * call.value)
        elif key == "every":
            d["every"] = (call.value - 1) & 0xFFFFFFFF
        else:
            d["packet"] = call.value

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Statistic:
        mode = data.get("mode", MODE_RANDOM)
        if mode == MODE_RANDOM and "probability" not in seen:
            raise ParameterProblem("--probability must be specified when using random mode")
        if mode == MODE_NTH and not seen & {"every", "packet"}:
            raise ParameterProblem("--every and --packet must be specified when using nth mode")
        every, packet = data.get("every", 0), data.get("packet", 0)
        if packet > every:  # every already holds n - 1
            raise ParameterProblem("the --packet p must be 0 <= p <= n-1")
        return Statistic(mode, bool(data.get("invert")), every, packet)

    def _text(self, value: Statistic, prefix: str) -> str:
        inv = " !" if value.invert else ""
        if value.mode == MODE_RANDOM:
            probability = value.probability / 0x80000000
            return f" {prefix}mode random{inv} {prefix}probability {probability:.11f}"
        out = f" {prefix}mode nth{inv} {prefix}every {(value.every + 1) & 0xFFFFFFFF}"
        if value.packet or prefix:
            out += f" {prefix}packet {value.packet}"
        return out

    def save(self, value: Statistic, show: Show) -> str:
        return self._text(value, "--")

    def print(self, value: Statistic, show: Show) -> str:
        return " statistic" + self._text(value, "")

    def matches(self, value: Statistic, skb: Skb, env: Env) -> bool:
        """xt_statistic ``statistic_mt``."""
        if value.mode == MODE_RANDOM:
            hit = (env.rng.getrandbits(32) & 0x7FFFFFFF) < value.probability
            return hit != value.invert
        # nth: one counter per rule, starting at every - packet (statistic_check sets
        # ``count``); it counts up to ``every`` and the packet that wraps it to 0 matches
        counter = env.rule_state(
            f"statistic:{id(value)}", value, lambda: [value.every - value.packet]
        )
        counter[0] = 0 if counter[0] == value.every else counter[0] + 1
        return (counter[0] == 0) != value.invert
