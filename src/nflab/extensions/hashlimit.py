"""``-m hashlimit`` (libxt_hashlimit.c revision 3, kernel xt_hashlimit.c): a token bucket
per address/port group, in a named table shared between rules.

This kernel has revision 3, so iptables uses it: packet rates are periods in
1/1000000 s (``XT_HASHLIMIT_SCALE_v2``), byte rates (``4kb/s``) are a cost per
16-byte chunk. The evaluation (the kernel's hash tables) is in
:mod:`nflab.extensions.hashlimit_htable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import atoi, strtoll, xtables_strtoul
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.paramact import bad_value
from ..iptables.quoting import put_string
from ..iptables.rates import rate_text, rate_unit_seconds
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb
from .hashlimit_htable import (
    BYTES,
    DIP,
    DPT,
    INVERT,
    RATE_MATCH,
    SCALE,
    SIP,
    SPT,
    bytes_to_cost,
    cost_to_bytes,
    evaluate,
    user2credits,
    user2credits_byte,
)

U32, U64 = 0xFFFFFFFF, 2**64 - 1
BURST_DEFAULT = 5
BURST_MAX = 1000000
GC_INTERVAL_DEFAULT = 1000  # ms
BYTE_EXPIRE, BYTE_EXPIRE_BURST = 15, 60  # s
NAME_LEN = 255
MAX_SIZE = 1048576  # HASHLIMIT_MAX_SIZE: the kernel cuts htable-size/max down to it
_MODE_WORDS = {"dstip": DIP, "srcip": SIP, "srcport": SPT, "dstport": DPT}
_MODE_ORDER = (("srcip", SIP), ("srcport", SPT), ("dstip", DIP), ("dstport", DPT))
_UNITS = (("m", 1024 * 1024), ("k", 1024), ("", 1))


@dataclass(frozen=True, slots=True)
class Hashlimit:
    """``struct xt_hashlimit_mtinfo3``: ``cfg`` fields and the table name."""

    name: str
    mode: int = 0
    avg: int = 0
    burst: int = BURST_DEFAULT
    size: int = 0
    max: int = 0
    gc_interval: int = GC_INTERVAL_DEFAULT
    expire: int = 0
    srcmask: int = 32
    dstmask: int = 32
    interval: int = 0


def _factor(suffix: str) -> int:
    return {"m": 1024 * 1024, "k": 1024}.get(suffix[:1], 1)


def parse_bytes(rate: str) -> int | None:
    """``parse_bytes``: the cost of a ``N[k|m]b/s`` rate, None when it is not one."""
    at = rate.find("b/s")
    if at <= 0:
        return None
    count = strtoll(rate) & U64
    if count == 0:
        return None
    total = count * _factor(rate[at - 1]) & U64
    chunks = (total >> 4) & U32
    if chunks == U32:  # C divides by zero here (r + 1 wraps to 0)
        raise ParameterProblem(f'Rate too high "{rate}"')
    return bytes_to_cost(total)


def parse_rate(rate: str) -> tuple[int, int] | None:
    """``parse_rate``: (period, seconds per unit), None for a bad rate."""
    unit = rate_unit_seconds(rate)
    if unit is None:
        return None
    count = strtoll(rate) & U64
    if count == 0:
        return None
    avg = SCALE * unit // count
    if avg == 0:  # the rate maps to infinity
        raise ParameterProblem(f'Rate too fast "{rate}"')
    return avg, unit


def parse_burst(text: str) -> int:
    """``parse_burst``: a number, optionally followed by k/m (anything else is ignored)."""
    value, rest = xtables_strtoul(text, 1, U64, partial=True)
    if value is None or (not rest and value > BURST_MAX):
        raise ParameterProblem(
            f'bad value for option "--hashlimit-burst", or out of range (1-{BURST_MAX}).'
        )
    return value * _factor(rest) & U64


def print_bytes(avg: int, burst: int, prefix: str) -> tuple[str, int]:
    """``print_bytes``: the byte rate and burst text, and the default expire (ms)."""
    r = cost_to_bytes(avg)
    name, thresh = _UNITS[-1]
    for unit, size in _UNITS[:-1]:
        if r >= size and bytes_to_cost(r & ~(size - 1)) == avg:
            name, thresh = unit, size
            break
    out = f" {r // thresh}{name}b/s"
    if burst == 0:
        return out, BYTE_EXPIRE * 1000
    r = r * burst & U64
    name, thresh = next(((u, s) for u, s in _UNITS[:-1] if r >= s), _UNITS[-1])
    return out + f" {prefix}burst {r // thresh}{name}b", BYTE_EXPIRE_BURST * 1000


def _mode_text(mode: int, sep: str) -> str:
    return " " + sep.join(word for word, bit in _MODE_ORDER if mode & bit)


@register
class HashlimitMatch(MatchExtension):
    name = "hashlimit"
    revision = 3
    options = (
        Opt("hashlimit-upto", OptType.STRING, key="upto", invert=True, excl=("above",)),
        Opt("hashlimit-above", OptType.STRING, key="above", invert=True, excl=("upto",)),
        Opt("hashlimit", OptType.STRING, key="upto", invert=True, excl=("above",)),
        Opt("hashlimit-srcmask", OptType.PLEN, key="srcmask"),
        Opt("hashlimit-dstmask", OptType.PLEN, key="dstmask"),
        Opt("hashlimit-burst", OptType.STRING, key="burst"),
        Opt("hashlimit-htable-size", OptType.UINT32, key="size"),
        Opt("hashlimit-htable-max", OptType.UINT32, key="max"),
        Opt("hashlimit-htable-gcinterval", OptType.UINT32, key="gc_interval"),
        Opt("hashlimit-htable-expire", OptType.UINT32, key="expire"),
        Opt("hashlimit-mode", OptType.STRING, key="mode"),
        Opt("hashlimit-name", OptType.STRING, key="name", mand=True, min=1),
        Opt("hashlimit-rate-match", key="rate_match"),
        Opt("hashlimit-rate-interval", OptType.STRING, key="interval"),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        mode = d.get("mode", 0)
        if key in ("upto", "above"):
            if call.invert == (key == "upto"):
                mode |= INVERT  # --hashlimit-above, or ! --hashlimit-upto
            cost = parse_bytes(arg)
            if cost is not None:
                mode |= BYTES
                d["avg"], d["mult"] = cost, BYTE_EXPIRE
            else:
                parsed = parse_rate(arg)
                if parsed is None:
                    raise bad_value("hashlimit", f"--hashlimit-{key}", arg)
                d["avg"], d["mult"] = parsed
        elif key == "mode":
            for word in (w for w in arg.replace("|", ",").split(",") if w):
                if word not in _MODE_WORDS:
                    raise bad_value("hashlimit", "--hashlimit-mode", arg)
                mode |= _MODE_WORDS[word]
        elif key in ("srcmask", "dstmask"):
            d[key] = call.value & 0xFF  # a non-contiguous mask is C's hlen 255
        elif key == "burst":
            d["burst"] = parse_burst(arg)
        elif key == "name":
            d["name"] = put_string(arg, NAME_LEN)
        elif key == "rate_match":
            mode |= RATE_MATCH
        elif key == "interval":
            if atoi(arg) <= 0:
                raise bad_value("hashlimit", "--hashlimit-rate-interval", arg)
            d["interval"] = atoi(arg)
        else:
            d[key] = call.value
        d["mode"] = mode

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Hashlimit:
        """``hashlimit_mt_check``."""
        if not seen & {"upto", "above"}:
            raise ParameterProblem("You have to specify --hashlimit")
        mode, avg, mult = data.get("mode", 0), data["avg"], data["mult"]
        burst = data.get("burst", BURST_DEFAULT)
        expire = data["expire"] if "expire" in seen else mult * 1000
        if mode & BYTES:
            given, burst = burst, 0
            if "burst" in seen:
                unit = cost_to_bytes(avg)
                if given < unit:
                    raise ParameterProblem(f"burst cannot be smaller than {unit}b")
                # the chunk count goes through a u32, as in C
                burst = ((given & U32) // unit + (1 if given % unit else 0)) & U32
                if "expire" not in seen:
                    expire = BYTE_EXPIRE_BURST * 1000
        elif burst > BURST_MAX:
            raise ParameterProblem(
                f'bad value for option "--hashlimit-burst", or out of range (1-{BURST_MAX}).'
            )
        interval = data.get("interval", 0)
        if mode & RATE_MATCH:
            if not mode & BYTES:
                avg //= mult
            if interval == 0:
                interval = 1 if mode & BYTES else mult
        return Hashlimit(
            name=data.get("name", ""),
            mode=mode,
            avg=avg,
            burst=burst,
            size=data.get("size", 0),
            max=data.get("max", 0),
            gc_interval=data.get("gc_interval", GC_INTERVAL_DEFAULT),
            expire=expire,
            srcmask=data.get("srcmask", 32),
            dstmask=data.get("dstmask", 32),
            interval=interval,
        )

    def _rate(self, value: Hashlimit, period: int, prefix: str) -> tuple[str, int]:
        if value.mode & BYTES:
            return print_bytes(value.avg, value.burst, prefix)
        text, seconds = rate_text(period, SCALE)
        return f" {text} {prefix}burst {value.burst}", seconds * 1000

    def _tail(self, value: Hashlimit, quantum: int, prefix: str) -> str:
        """The table parameters shown when not default (htable-size ... rate-interval)."""
        # checkentry cut the sizes down in the kernel's copy, which is what is read back
        size, maximum = min(value.size, MAX_SIZE), min(value.max, MAX_SIZE)
        out = f" {prefix}htable-size {size}" if size else ""
        out += f" {prefix}htable-max {maximum}" if maximum else ""
        if value.gc_interval != GC_INTERVAL_DEFAULT:
            out += f" {prefix}htable-gcinterval {value.gc_interval}"
        if value.expire != quantum:
            out += f" {prefix}htable-expire {value.expire}"
        if value.srcmask != 32:
            out += f" {prefix}srcmask {value.srcmask}"
        if value.dstmask != 32:
            out += f" {prefix}dstmask {value.dstmask}"
        if value.mode & RATE_MATCH:
            out += f" {prefix}rate-match"
            if value.interval != 1:
                out += f" {prefix}rate-interval {value.interval}"
        return out

    def save(self, value: Hashlimit, show: Show) -> str:
        p = "--hashlimit-"
        out = f" {p}above" if value.mode & INVERT else f" {p}upto"
        rate, quantum = self._rate(value, value.avg, p)
        out += rate
        if value.mode & (SIP | SPT | DIP | DPT):
            out += f" {p}mode" + _mode_text(value.mode, ",")
        return out + f" {p}name {value.name}" + self._tail(value, quantum, p)

    def print(self, value: Hashlimit, show: Show) -> str:
        out = " limit: above" if value.mode & INVERT else " limit: up to"
        # -L shows a rate-match rate per interval
        period = value.avg * value.interval if value.interval else value.avg
        rate, quantum = self._rate(value, period, "")
        out += rate
        if value.mode & (SIP | SPT | DIP | DPT):
            out += " mode" + _mode_text(value.mode, "-")
        return out + self._tail(value, quantum, "")

    def check(self, value: Hashlimit, rule: RuleContext) -> None:
        """xt_hashlimit ``hashlimit_mt_check_common``."""
        if value.gc_interval == 0 or value.expire == 0:
            raise KernelRejected("EINVAL")
        if value.srcmask > 32 or value.dstmask > 32:
            raise KernelRejected("EINVAL")
        if value.mode & RATE_MATCH:
            if value.avg == 0 or value.avg > U32:
                raise KernelRejected("ERANGE", "xt_hashlimit: invalid rate")
            if value.interval == 0:
                raise KernelRejected("EINVAL", "xt_hashlimit: invalid interval")
        elif value.mode & BYTES:
            if user2credits_byte(value.avg) == 0:
                raise KernelRejected(
                    "EINVAL", f"xt_hashlimit: overflow, rate too high: {value.avg}"
                )
        elif value.burst == 0 or user2credits(value.avg * value.burst) < user2credits(value.avg):
            raise KernelRejected(
                "ERANGE", f"xt_hashlimit: overflow, try lower: {value.avg}/{value.burst}"
            )
        # xt_check_proc_name: the table shows up as /proc/net/ipt_hashlimit/NAME
        if value.name in (".", "..") or "/" in value.name:
            raise KernelRejected("EINVAL")

    def matches(self, value: Hashlimit, skb: Skb, env: Env) -> bool:
        return evaluate(value, skb, env)
