"""``-m limit`` (libxt_limit.c, kernel xt_limit.c): a token bucket per rule.

The rate is kept as ``avg``, the period between packets in 1/10000 s
(``XT_LIMIT_SCALE``); the kernel turns it into credits of jiffies * 128.
iptables-nft stores the match as a native nf_tables ``limit`` expression
(``rate``/``unit``), read back with :func:`nft_parse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import atoi
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.rates import XT_LIMIT_SCALE, rate_text, rate_unit_seconds
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

XT_LIMIT_BURST = 5
DEFAULT_AVG = XT_LIMIT_SCALE * 3600 // 3  # "3/hour"
U32 = 0xFFFFFFFF

# this machine's kernel: HZ=250; CREDITS_PER_JIFFY is the power of two below
# 0xFFFFFFFF / (HZ*60*60*24), so HZ * CREDITS_PER_JIFFY is 32000 for any usual HZ
HZ = 250
CREDITS_PER_JIFFY = 128


@dataclass(frozen=True, slots=True)
class Limit:
    """``struct xt_rateinfo`` as userspace fills it (``avg``, ``burst``)."""

    avg: int = DEFAULT_AVG
    burst: int = XT_LIMIT_BURST


def parse_limit_rate(rate: str) -> int | None:
    """libxt_limit ``parse_rate``: the period, None for a bad rate."""
    unit = rate_unit_seconds(rate)
    if unit is None:
        return None
    count = atoi(rate) & U32  # an int stored in a uint32_t
    if count == 0:
        return None
    avg = (XT_LIMIT_SCALE * unit // count) & U32
    if avg == 0:  # the rate maps to infinity
        raise ParameterProblem(f'Rate too fast "{rate}"')
    return avg


def user2credits(user: int) -> int:
    """xt_limit ``user2credits``: u32 arithmetic, dividing first when it would overflow."""
    user &= U32
    if user > U32 // (HZ * CREDITS_PER_JIFFY):
        return (user // XT_LIMIT_SCALE) * HZ * CREDITS_PER_JIFFY & U32
    return user * HZ * CREDITS_PER_JIFFY // XT_LIMIT_SCALE


_NFT_MULTS = (XT_LIMIT_SCALE * 86400, XT_LIMIT_SCALE * 3600, XT_LIMIT_SCALE * 60, XT_LIMIT_SCALE)


@dataclass(frozen=True, slots=True)
class NftLimit:
    """The native nf_tables ``limit`` expression (type packets, no flags)."""

    rate: int
    unit: int  # seconds
    burst: int


def nft_expression(value: Limit) -> NftLimit:
    """iptables-nft ``add_nft_limit``: the largest unit that still shows the rate."""
    i = 1
    while i < len(_NFT_MULTS):
        mult = _NFT_MULTS[i]
        if value.avg > mult or mult // value.avg < mult % value.avg:
            break
        i += 1
    mult = _NFT_MULTS[i - 1]
    return NftLimit(mult // value.avg, mult // XT_LIMIT_SCALE, value.burst)


def nft_parse(expr: NftLimit) -> Limit:
    """``nft_parse_limit``: the period recomputed from rate/unit (961/min reads back as
    16/sec, so ``-C`` with either matches)."""
    return Limit((XT_LIMIT_SCALE * expr.unit // expr.rate) & U32, expr.burst)


@dataclass
class LimitBucket:
    """``struct xt_limit_priv`` plus the credits the kernel computes at checkentry."""

    prev: int  # jiffies of the last refill
    credit: int
    credit_cap: int
    cost: int


def jiffies(env: Env) -> int:
    return int(env.now * HZ)


@register
class LimitMatch(MatchExtension):
    name = "limit"
    options = (
        Opt("limit", OptType.STRING),
        Opt("limit-burst", OptType.UINT32, min=0, max=10000),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        if call.opt.id == "limit":
            assert call.arg is not None
            avg = parse_limit_rate(call.arg)
            if avg is None:
                raise ParameterProblem(f'bad rate "{call.arg}"\'')
            call.data["avg"] = avg
        else:
            call.data["burst"] = call.value

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Limit:
        return Limit(data.get("avg", DEFAULT_AVG), data.get("burst", XT_LIMIT_BURST))

    @staticmethod
    def _shown_burst(value: Limit) -> int:
        # only nft can store burst 0 (xt_limit refuses it): the kernel's nft_limit
        # then uses NFT_LIMIT_PKT_BURST_DEFAULT, and that is what listings show
        return value.burst or XT_LIMIT_BURST

    def save(self, value: Limit, show: Show) -> str:
        out = " --limit " + rate_text(value.avg, XT_LIMIT_SCALE)[0]
        burst = self._shown_burst(value)
        if burst != XT_LIMIT_BURST:
            out += f" --limit-burst {burst}"
        return out

    def print(self, value: Limit, show: Show) -> str:
        rate = rate_text(value.avg, XT_LIMIT_SCALE)[0]
        return f" limit: avg {rate} burst {self._shown_burst(value)}"

    nft_merges = False  # each limit expression reads back as its own match

    def nft_native(self, value: Limit, proto: int) -> tuple[NftLimit, ...]:
        """iptables-nft stores limit as a native expression: no xt_limit checkentry."""
        return (nft_expression(value),)

    def nft_decode(self, value: Limit | None, expr: NftLimit) -> Limit:
        return nft_parse(expr)

    def check(self, value: Limit, rule: RuleContext) -> None:
        """xt_limit ``limit_mt_check``."""
        if value.burst == 0 or user2credits(value.avg * value.burst) < user2credits(value.avg):
            raise KernelRejected(
                "ERANGE", f"xt_limit: Overflow, try lower: {value.avg}/{value.burst}"
            )

    def matches(self, value: Limit, skb: Skb, env: Env) -> bool:
        """xt_limit ``limit_mt``: refill 128 credits per jiffy up to the cap, spend ``cost``."""
        now = jiffies(env)

        def fresh() -> LimitBucket:  # checkentry: credits full
            full = user2credits(value.avg * value.burst)
            return LimitBucket(now, full, full, user2credits(value.avg))

        bucket = env.rule_state(f"limit:{id(value)}", value, fresh)
        # u32 arithmetic as in the kernel: a very long idle time wraps the increase
        credit = (bucket.credit + (now - bucket.prev) * CREDITS_PER_JIFFY) & U32
        bucket.prev = now
        credit = min(credit, bucket.credit_cap)
        matched = credit >= bucket.cost
        bucket.credit = credit - bucket.cost if matched else credit
        return matched
