"""The kernel side of ``-m hashlimit`` (xt_hashlimit.c, revision 3): named hash tables of
token buckets, one bucket per address/port group.

A table belongs to the network namespace and is found by name
(``/proc/net/ipt_hashlimit/NAME``): it lives in ``env.services["hashlimit"]``.
Its configuration is that of the rule that created it; later rules with the
same name share it. Idle entries are removed by a garbage collector that runs
every ``gc_interval`` ms, simulated lazily from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from ..netfilter.skb import Env, Skb
from ..packet.wire import emit

if TYPE_CHECKING:
    from .hashlimit import Hashlimit

U32, U64 = 0xFFFFFFFF, 2**64 - 1
DIP, DPT, SIP, SPT = 0x1, 0x2, 0x4, 0x8
INVERT, BYTES, RATE_MATCH = 0x10, 0x20, 0x40
SCALE = 1000000  # XT_HASHLIMIT_SCALE_v2
BYTE_SHIFT = 4  # XT_HASHLIMIT_BYTE_SHIFT: byte rates count 16-byte chunks
HZ = 250


def _pow2_below(n: int) -> int:
    return 1 << (n.bit_length() - 1)


CREDITS_PER_JIFFY = _pow2_below(U64 // (HZ * 86400))
CREDITS_PER_JIFFY_BYTES = _pow2_below(U32 // HZ)
BYTES_FULL = CREDITS_PER_JIFFY_BYTES * HZ  # a second's worth of byte credits
DEFAULT_SIZE = 8192  # htable_create on a machine with more than 1 GiB of memory
MAX_SIZE = 1048576
# protocols whose first 4 bytes are (or hold, for AH at offset 4) the ports hashlimit reads:
# tcp, udp, dccp, esp, sctp, udplite (proto_ports_offset)
_PORTS_AT = {6: 0, 17: 0, 33: 0, 50: 0, 132: 0, 136: 0, 51: 4}


def bytes_to_cost(nbytes: int) -> int:
    """libxt_hashlimit ``bytes_to_cost``: the cost per 16-byte chunk of a byte rate."""
    chunks = (nbytes >> BYTE_SHIFT) & U32
    return U32 // ((chunks + 1) & U32)


def cost_to_bytes(cost: int) -> int:
    """``cost_to_bytes``: the byte rate a cost stands for (what is printed)."""
    r = U32 // cost if cost else U32
    return (r - 1) << BYTE_SHIFT & U64


def user2credits(user: int) -> int:
    """``user2credits`` (revision 2+): u64 arithmetic, the constants divided first."""
    return (user & U64) * (HZ * CREDITS_PER_JIFFY // SCALE) & U64


def user2credits_byte(user: int) -> int:
    return ((user & U32) * BYTES_FULL & U64) >> 32


def user2rate(user: int) -> int:
    return SCALE // user if user else 0


def user2rate_bytes(user: int) -> int:
    r = U32 // user if user else U32
    return (r - 1) << BYTE_SHIFT


def msecs_to_jiffies(ms: int) -> int:
    return (ms + 1000 // HZ - 1) // (1000 // HZ)


@dataclass
class RateInfo:
    """``struct dsthash_ent``: one group's bucket and its expiry time."""

    prev: int
    expires: int
    credit: int = 0
    credit_cap: int = 0
    cost: int = 0
    # rate-match mode
    current_rate: int = 0
    prev_window: bool = False
    rate: int = 0
    burst: int = 0
    interval: int = 0


@dataclass
class HashlimitTable:
    """``struct xt_hashlimit_htable``: the creating rule's config and the entries."""

    cfg: Hashlimit
    created: int
    entries: dict[tuple[int, int, int, int], RateInfo] = field(default_factory=dict)

    @property
    def max_entries(self) -> int:
        size = min(self.cfg.size, MAX_SIZE) or DEFAULT_SIZE
        maximum = min(self.cfg.max, MAX_SIZE)
        return 8 * size if maximum == 0 else max(maximum, size)

    def collect(self, now: int) -> None:
        """The garbage collector's runs up to ``now`` drop the entries that had expired."""
        period = max(msecs_to_jiffies(self.cfg.gc_interval), 1)
        last_run = self.created + (now - self.created) // period * period
        for key in [k for k, e in self.entries.items() if e.expires <= last_run]:
            del self.entries[key]


def _maskl(addr: IPv4Address, plen: int) -> int:
    return int(addr) & (U32 << (32 - plen)) & U32 if plen else 0


def group_key(cfg: Hashlimit, skb: Skb) -> tuple[int, int, int, int] | None:
    """``hashlimit_init_dst``: the masked addresses and ports the mode selects."""
    ip = skb.packet.ip
    dst = _maskl(ip.dst, cfg.dstmask) if cfg.mode & DIP else 0
    src = _maskl(ip.src, cfg.srcmask) if cfg.mode & SIP else 0
    if not cfg.mode & (DPT | SPT):
        return (src, dst, 0, 0)
    sport = dport = 0
    offset = _PORTS_AT.get(ip.proto)
    if offset is not None:
        data = emit(skb.packet)[ip.header_length + offset :]
        if len(data) < 4:
            return None  # truncated: the kernel drops the packet
        sport, dport = int.from_bytes(data[:2], "big"), int.from_bytes(data[2:4], "big")
    return (src, dst, sport if cfg.mode & SPT else 0, dport if cfg.mode & DPT else 0)


def _init(cfg: Hashlimit, now: int) -> RateInfo:
    """``rateinfo_init``: a new group starts with a full bucket."""
    info = RateInfo(prev=now, expires=now + msecs_to_jiffies(cfg.expire))
    if cfg.mode & RATE_MATCH:
        if cfg.mode & BYTES:
            info.rate = user2rate_bytes(cfg.avg & U32)
            info.burst = cfg.burst * info.rate if cfg.burst else info.rate
        else:
            info.rate = user2rate(cfg.avg)
            info.burst = cfg.burst + info.rate
        info.interval = cfg.interval
    elif cfg.mode & BYTES:
        info.credit = BYTES_FULL
        info.cost = user2credits_byte(cfg.avg)
        info.credit_cap = cfg.burst
    else:
        info.credit = user2credits(cfg.avg * cfg.burst)
        info.cost = user2credits(cfg.avg)
        info.credit_cap = info.credit
    return info


def _recalc(info: RateInfo, now: int, mode: int) -> None:
    """``rateinfo_recalc``: refill the bucket (or close a rate-match window)."""
    delta = now - info.prev
    if delta == 0:
        return
    if mode & RATE_MATCH:
        interval = info.interval * HZ
        if delta < interval:
            return
        info.prev = now
        info.prev_window = info.current_rate * interval > delta * info.rate
        info.current_rate = 0
        return
    info.prev = now
    if mode & BYTES:
        before = info.credit
        info.credit = (info.credit + CREDITS_PER_JIFFY_BYTES * delta) & U64
        if before >= info.credit:  # overflow
            info.credit = BYTES_FULL
            return
        cap = BYTES_FULL
    else:
        info.credit = (info.credit + delta * CREDITS_PER_JIFFY) & U64
        cap = info.credit_cap
    info.credit = min(info.credit, cap)


def _byte_cost(length: int, info: RateInfo) -> int:
    """``hashlimit_byte_cost``: a packet's cost; a byte burst refills the bucket once per unit."""
    cost = min(((length >> BYTE_SHIFT) + 1) * info.cost, BYTES_FULL)
    if info.credit < cost and info.credit_cap:
        info.credit_cap -= 1
        info.credit = BYTES_FULL
    return cost & U32


def evaluate(value: Hashlimit, skb: Skb, env: Env) -> bool:
    """``hashlimit_mt_common``: under the limit matches (``--hashlimit-upto``)."""
    now = int(env.now * HZ)
    tables: dict[str, HashlimitTable] = env.services.setdefault("hashlimit", {})
    table = tables.get(value.name)
    if table is None:
        table = tables[value.name] = HashlimitTable(value, now)
    cfg = table.cfg
    table.collect(now)
    key = group_key(cfg, skb)
    if key is None:
        skb.hotdrop = True
        return False
    info = table.entries.get(key)
    if info is None:
        if len(table.entries) >= table.max_entries:
            skb.hotdrop = True  # "max count of N reached": the packet is dropped
            return False
        info = table.entries[key] = _init(cfg, now)
    else:
        info.expires = now + msecs_to_jiffies(cfg.expire)
        _recalc(info, now, cfg.mode)
    under = not value.mode & INVERT
    if value.mode & RATE_MATCH:
        info.current_rate += skb.packet.length if value.mode & BYTES else 1
        if not info.prev_window and info.current_rate <= info.burst:
            return under
        return not under
    cost = _byte_cost(skb.packet.length, info) if value.mode & BYTES else info.cost
    if info.credit >= cost:
        info.credit -= cost
        return under
    return not under
