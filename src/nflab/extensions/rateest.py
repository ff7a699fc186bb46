"""``-m rateest`` (libxt_rateest.c, kernel xt_rateest.c): compare the rates measured by
``-j RATEEST`` estimators with each other or with fixed rates.

An old-API extension: rates after ``--rateest-bps*``/``--rateest-pps*`` are
optional extra words. The estimators are the namespace's
``env.services["rateest"]`` (:class:`nflab.netfilter.estimator.RateEstimator`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import double_to_uint, strtod, xtables_strtoul
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

INVERT, ABS, REL, DELTA, BPS, PPS = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20  # XT_RATEEST_MATCH_*
EQ, LT, GT = 1, 2, 3
_MODE_WORDS = {EQ: "eq", LT: "lt", GT: "gt"}
U32 = 0xFFFFFFFF
# iproute's rate units (bits, or bytes for *Bps), matched ignoring case, first match wins
_SUFFIXES = (
    ("bit", 1.0),
    ("Kibit", 1024.0),
    ("kbit", 1000.0),
    ("Mibit", 1024.0**2),
    ("mbit", 1e6),
    ("Gibit", 1024.0**3),
    ("gbit", 1e9),
    ("Tibit", 1024.0**4),
    ("tbit", 1e12),
    ("Bps", 8.0),
    ("KiBps", 8.0 * 1024),
    ("KBps", 8000.0),
    ("MiBps", 8.0 * 1024**2),
    ("MBps", 8e6),
    ("GiBps", 8.0 * 1024**3),
    ("GBps", 8e9),
    ("TiBps", 8.0 * 1024**4),
    ("TBps", 8e12),
)


@dataclass(frozen=True, slots=True)
class RateestMatch:
    """``struct xt_rateest_match_info`` (rates in bytes per second)."""

    name1: str
    name2: str = ""
    flags: int = 0
    mode: int = 0
    bps1: int = 0
    pps1: int = 0
    bps2: int = 0
    pps2: int = 0


def parse_rate(text: str) -> int | None:
    """``rateest_get_rate``: a number of bits (bytes with no unit... as bits/8) per second."""
    bps, end = strtod(text)
    if bps is None:
        return None
    suffix = text[end:]
    if not suffix:
        return double_to_uint(bps / 8.0)
    for name, scale in _SUFFIXES:
        if name.lower() == suffix.lower():
            return double_to_uint(bps * scale / 8.0)
    return None


def rate_text(rate: int, numeric: bool) -> str:
    """``rateest_print_rate``."""
    bits = rate * 8.0
    if numeric:
        return f" {rate}"
    if bits >= 1000.0 * 1000000.0:
        return f" {bits / 1000000.0:.0f}Mbit"
    if bits >= 1000.0 * 1000.0:
        return f" {bits / 1000.0:.0f}Kbit"
    return f" {bits:.0f}bit"


def _raw(name: str, key: str, arg: bool = False) -> Opt:
    return Opt(name, OptType.STRING if arg else OptType.NONE, key=key, raw=True)


@register
class RateestMatchExtension(MatchExtension):
    name = "rateest"
    options = (
        _raw("rateest1", "rateest1", arg=True),
        _raw("rateest", "rateest1", arg=True),
        _raw("rateest2", "rateest2", arg=True),
        _raw("rateest-bps1", "bps1"),
        _raw("rateest-pps1", "pps1"),
        _raw("rateest-bps2", "bps2"),
        _raw("rateest-pps2", "pps2"),
        _raw("rateest-bps", "bps2"),
        _raw("rateest-pps", "pps2"),
        _raw("rateest-delta", "delta"),
        _raw("rateest-lt", "lt"),
        _raw("rateest-gt", "gt"),
        _raw("rateest-eq", "eq"),
    )

    def parse(self, call: Call) -> None:
        d, seen, key = call.data, call.seen, call.opt.id
        if key in ("lt", "gt", "eq"):
            if key in seen:
                raise ParameterProblem("rateest: can't specify lt/gt/eq twice")
            d["mode"] = {"eq": EQ, "lt": LT, "gt": GT}[key]
            if call.invert:
                d["flags"] = d.get("flags", 0) | INVERT
            seen.add(key)
            return
        what = {"rateest1": "rateest", "rateest2": "rateest", "delta": "rateest-delta"}.get(
            key, f"rateest-{key[:3]}"
        )
        if call.invert:
            raise ParameterProblem(f"rateest: {what} can't be inverted")
        if key in seen:
            option = {
                "bps1": "rateest-bps1",
                "pps1": "rateest-pps1",
                "bps2": "rateest-bps2",
                "pps2": "rateest-pps2",
                "delta": "rateest-delta",
            }.get(key, key)
            raise ParameterProblem(f"rateest: can't specify --{option} twice")
        seen.add(key)
        flags = d.get("flags", 0)
        if key in ("rateest1", "rateest2"):
            d["name" + key[-1]] = (call.arg or "")[:15]  # strncpy into char[IFNAMSIZ]
            if key == "rateest2":
                flags |= REL
        elif key == "delta":
            flags |= DELTA
        else:
            flags |= BPS if key.startswith("bps") else PPS
            self._optional_rate(call, key)
        d["flags"] = flags

    @staticmethod
    def _optional_rate(call: Call, key: str) -> None:
        """The rate is an optional next word (needed in absolute mode)."""
        cursor = call.cursor
        assert cursor is not None
        if cursor.optind >= len(cursor.argv) or cursor.argv[cursor.optind][:1] in ("-", "!"):
            return
        word = cursor.argv[cursor.optind]
        if key.startswith("bps"):
            rate = parse_rate(word)
            if rate is None:
                raise ParameterProblem(f"rateest: could not parse rate `{word}'")
        else:
            rate, _ = xtables_strtoul(word, 0, U32)
            if rate is None:
                raise ParameterProblem(f"rateest: could not parse pps `{word}'")
        call.data[key] = rate
        cursor.take()

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> RateestMatch:
        flags = data.get("flags", 0)
        if not flags & REL:
            flags |= ABS
        return RateestMatch(
            data.get("name1", ""),
            data.get("name2", ""),
            flags,
            data.get("mode", 0),
            data.get("bps1", 0),
            data.get("pps1", 0),
            data.get("bps2", 0),
            data.get("pps2", 0),
        )

    @staticmethod
    def _mode(value: RateestMatch, prefix: str) -> str:
        inv = " !" if value.flags & INVERT else ""
        return f"{inv} {prefix}{_MODE_WORDS.get(value.mode, '')}"

    def print(self, value: RateestMatch, show: Show) -> str:
        f, n = value.flags, show.numeric
        out = f" rateest match {value.name1}" + (" delta" if f & DELTA else "")
        if f & BPS:
            out += " bps" + (rate_text(value.bps1, n) if f & DELTA else "")
            if f & ABS:
                out += rate_text(value.bps2, n) + self._mode(value, "")
        if f & PPS:
            out += " pps" + (f" {value.pps1}" if f & DELTA else "")
            if f & ABS:
                out += self._mode(value, "") + f" {value.pps2}"
        if f & REL:
            out += self._mode(value, "") + f" {value.name2}"
            if f & BPS:
                out += " bps" + (rate_text(value.bps2, n) if f & DELTA else "")
            if f & PPS:
                out += " pps" + (f" {value.pps2}" if f & DELTA else "")
        return out

    def _save_rate(self, value: RateestMatch, kind: str, r1: int, r2: int, numeric: bool) -> str:
        if value.flags & DELTA:
            out = f" --rateest-{kind}1" + rate_text(r1, numeric) + self._mode(value, "--rateest-")
            out += f" --rateest-{kind}2"
        else:
            out = self._mode(value, "--rateest-") + f" --rateest-{kind}"
        if value.flags & (ABS | DELTA):
            out += rate_text(r2, numeric)
        return out

    def save(self, value: RateestMatch, show: Show) -> str:
        out = " --rateest-delta" if value.flags & DELTA else ""
        rates = ""
        if value.flags & BPS:
            rates += self._save_rate(value, "bps", value.bps1, value.bps2, False)
        if value.flags & PPS:
            rates += self._save_rate(value, "pps", value.pps1, value.pps2, True)
        if value.flags & REL:
            return out + f" --rateest1 {value.name1}{rates} --rateest2 {value.name2}"
        return out + f" --rateest {value.name1}{rates}"

    def check(self, value: RateestMatch, rule: RuleContext) -> None:
        """``xt_rateest_mt_checkentry`` (the estimators' existence, ENOENT, is not
        checked: nflab's rule check does not see the namespace's RATEEST rules)."""
        if not value.flags & (BPS | PPS) or value.mode not in _MODE_WORDS:
            raise KernelRejected("EINVAL")

    @staticmethod
    def _sample(env: Env, name: str) -> tuple[int, int]:
        estimator = env.services.get("rateest", {}).get(name)
        if estimator is None:  # no packet went through the RATEEST rule yet
            return 0, 0
        bps, pps = estimator.rates(env.now)
        return bps & U32, pps & U32

    def matches(self, value: RateestMatch, skb: Skb, env: Env) -> bool:
        """``xt_rateest_mt``."""
        f = value.flags
        bps1, pps1 = self._sample(env, value.name1)
        if f & DELTA:
            bps1 = value.bps1 - bps1 if value.bps1 >= bps1 else 0
            pps1 = value.pps1 - pps1 if value.pps1 >= pps1 else 0
        if f & ABS:
            bps2, pps2 = value.bps2, value.pps2
        else:
            bps2, pps2 = self._sample(env, value.name2)
            if f & DELTA:
                bps2 = value.bps2 - bps2 if value.bps2 >= bps2 else 0
                pps2 = value.pps2 - pps2 if value.pps2 >= pps2 else 0
        compare = {LT: lambda a, b: a < b, GT: lambda a, b: a > b, EQ: lambda a, b: a == b}
        ret = True
        if value.mode in compare:
            if f & BPS:
                ret &= compare[value.mode](bps1, bps2)
            if f & PPS:
                ret &= compare[value.mode](pps1, pps2)
        return ret != bool(f & INVERT)
