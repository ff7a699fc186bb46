"""``-j NFQUEUE`` (libxt_NFQUEUE.c revision 3, kernel xt_NFQUEUE.c ``nfqueue_tg_v3``).

The packet goes to a userspace queue: with ``--queue-balance`` a hash of its
addresses picks one of several (both directions of a flow land on the same
queue). With no program bound to the queue the kernel drops the packet, or
with ``--queue-bypass`` lets it continue as if accepted. The queues
programs are bound to are ``env.services["nfqueue"]`` (a set of numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.jhash import be32_word, jhash_3words, reciprocal_scale
from ..netfilter.skb import Env, Skb, XtVerdict

BYPASS = 0x01  # NFQ_FLAG_BYPASS
CPU_FANOUT = 0x02  # NFQ_FLAG_CPU_FANOUT
NFQ_FLAG_MASK = 0x03


@dataclass(frozen=True, slots=True)
class Nfqueue:
    """``struct xt_NFQ_info_v3``."""

    queuenum: int = 0
    queues_total: int = 1
    flags: int = 0


@register
class NfqueueTarget(TargetExtension):
    name = "NFQUEUE"
    revision = 3
    options = (
        Opt("queue-num", OptType.UINT16, excl=("queue-balance",)),
        # the entry's max (65534) is not enforced by the range parser
        Opt("queue-balance", OptType.UINT16RC, excl=("queue-num",)),
        Opt("queue-bypass"),
        Opt("queue-cpu-fanout", also=("queue-balance",)),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        if key == "queue-balance":
            if call.nvals != 2:
                raise ParameterProblem(f'Bad range "{call.arg}"')
            first, last = call.value
            if first >= last:
                raise ParameterProblem(f"{first} should be less than {last}")
            call.data["num"] = first
            call.data["total"] = (last - first + 1) & 0xFFFF  # a u16: 0:65535 wraps to 0
        elif key == "queue-num":
            call.data["num"] = call.value
        else:
            flag = BYPASS if key == "queue-bypass" else CPU_FANOUT
            call.data["flags"] = call.data.get("flags", 0) | flag

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Nfqueue:
        return Nfqueue(data.get("num", 0), data.get("total", 1), data.get("flags", 0))

    def _queues(self, value: Nfqueue, dashes: str, balance: str, num: str) -> str:
        if value.queues_total > 1:
            last = value.queuenum + value.queues_total - 1
            return f" {dashes}{balance} {value.queuenum}:{last}"
        return f" {dashes}{num} {value.queuenum}"

    def save(self, value: Nfqueue, show: Show) -> str:
        out = self._queues(value, "--", "queue-balance", "queue-num")
        if value.flags & BYPASS:
            out += " --queue-bypass"
        if value.flags & CPU_FANOUT:
            out += " --queue-cpu-fanout"
        return out

    def print(self, value: Nfqueue, show: Show) -> str:
        out = " NFQUEUE" + self._queues(value, "", "balance", "num")
        if value.flags & BYPASS:
            out += " bypass"
        if value.flags & CPU_FANOUT:
            out += " cpu-fanout"
        return out

    def check(self, value: Nfqueue, rule: RuleContext) -> None:
        """``nfqueue_tg_check``."""
        if value.queues_total == 0:
            raise KernelRejected("EINVAL")  # "number of total queues is 0"
        if value.queues_total - 1 + value.queuenum > 0xFFFF:
            raise KernelRejected("ERANGE")
        if value.flags & ~NFQ_FLAG_MASK:
            raise KernelRejected("EINVAL")

    def queue_for(self, value: Nfqueue, skb: Skb, env: Env) -> int:
        """The queue number this packet goes to (one simulated CPU: CPU 0)."""
        if value.queues_total <= 1 or value.flags & CPU_FANOUT:
            return value.queuenum
        # hash_v4: the smaller address first, so both directions hash alike; the seed is
        # drawn once (``init_hashrandom``)
        seed = env.state.setdefault(("NFQUEUE", "jhash_initval"), env.rng.getrandbits(32))
        ip = skb.packet.ip
        src, dst = be32_word(ip.src.packed), be32_word(ip.dst.packed)
        low, high = (src, dst) if src < dst else (dst, src)
        return value.queuenum + reciprocal_scale(jhash_3words(low, high, ip.proto, seed), value.queues_total)

    def target(self, value: Nfqueue, skb: Skb, env: Env) -> XtVerdict:
        """``nfqueue_tg_v3``: NF_QUEUE with the queue number (and the bypass flag); whether a
        program takes it is ``nf_queue``'s business, after the table (``hooks.nf_queue``)."""
        skb.nfqueue = self.queue_for(value, skb, env)
        skb.nfqueue_bypass = bool(value.flags & BYPASS)
        return XtVerdict.QUEUE
