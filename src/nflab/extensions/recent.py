"""``-m recent`` (libxt_recent.c revision 1, kernel xt_recent.c): lists of recently seen addresses.

The lists are per network namespace and shared by name between rules, like
``/proc/net/xt_recent/NAME``: they live in ``env.services["xt_recent"]``
(:class:`RecentTable`, which also renders and edits the proc file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, find_match, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

CHECK, SET, UPDATE, REMOVE, TTL, REAP = 1, 2, 4, 8, 16, 32
_OPS = (
    (SET, "set", "SET"),
    (CHECK, "rcheck", "CHECK"),
    (UPDATE, "update", "UPDATE"),
    (REMOVE, "remove", "REMOVE"),
)
XT_RECENT_NAME_LEN = 200
XT_RECENT_MAX_NSTAMPS = 65536  # this kernel's limit (hitcount up to 65535)
IP_LIST_TOT = 100  # module parameters' defaults
IP_PKT_LIST_TOT = 20
HZ = 250
INITIAL_JIFFIES = 2**32 - 300 * HZ  # the kernel starts jiffies 5 minutes before a wrap
ALL_ONES = IPv4Address("255.255.255.255")


@dataclass(frozen=True, slots=True)
class Recent:
    """``struct xt_recent_mtinfo_v1``; ``rdest`` is ``side == XT_RECENT_DEST``."""

    check_set: int
    invert: bool = False
    seconds: int = 0
    hit_count: int = 0
    name: str = "DEFAULT"
    rdest: bool = False
    mask: IPv4Address = ALL_ONES


@dataclass
class RecentEntry:
    addr: IPv4Address
    ttl: int
    stamps: list[int]
    index: int = 1  # next slot (1-based count of the ring's writes, masked)


@dataclass
class RecentTable:
    """``struct recent_table``: entries in LRU order (oldest first)."""

    name: str
    mask: IPv4Address
    nstamps_max_mask: int
    entries: list[RecentEntry] = field(default_factory=list)
    # the rules (match values) already attached, kept alive so their ids stay theirs
    seen_rules: dict[int, Recent] = field(default_factory=dict)

    def lookup(self, addr: IPv4Address, ttl: int) -> RecentEntry | None:
        for e in self.entries:
            if e.addr == addr and (ttl == e.ttl or ttl == 0 or e.ttl == 0):
                return e
        return None

    def add(self, addr: IPv4Address, ttl: int, now: int) -> RecentEntry:
        """``recent_entry_init``: a full table first drops its least recently used entry."""
        if len(self.entries) >= IP_LIST_TOT:
            self.entries.pop(0)
        entry = RecentEntry(addr, ttl, [now])
        self.entries.append(entry)
        return entry

    def update(self, entry: RecentEntry, now: int) -> None:
        """``recent_entry_update``: record a time stamp in the ring, make it most recent."""
        entry.index &= self.nstamps_max_mask
        if entry.index < len(entry.stamps):
            entry.stamps[entry.index] = now
        else:
            entry.stamps.append(now)
        entry.index += 1
        self.entries.remove(entry)
        self.entries.append(entry)

    def remove(self, entry: RecentEntry) -> None:
        self.entries.remove(entry)

    def flush(self) -> None:
        self.entries.clear()

    def proc_text(self) -> str:
        """``/proc/net/xt_recent/NAME`` (``recent_seq_show``), in insertion order."""
        lines = []
        for e in self.entries:
            last = e.stamps[(e.index - 1) & self.nstamps_max_mask]
            stamps = "".join(f"{',' if i else ''} {s}" for i, s in enumerate(e.stamps))
            lines.append(
                f"src={e.addr} ttl: {e.ttl} last_seen: {last} oldest_pkt: {e.index}{stamps}\n"
            )
        return "".join(lines)


    def proc_write(self, text: str, now: int) -> None:
        """``recent_mt_proc_write``: ``+ADDR`` adds (or refreshes), ``-ADDR`` removes, ``/``
        flushes; anything else is EINVAL (:class:`ValueError`). ``now`` is in jiffies."""
        if not text:
            return
        op, rest = text[0], text[1:].split("\n", 1)[0]
        if op == "/":
            self.flush()
            return
        if op not in "+-" or ":" in rest:
            raise ValueError(text)  # IPv6 addresses: the lists here are IPv4 only
        try:
            addr = IPv4Address(rest)
        except ValueError:
            raise ValueError(text) from None
        entry = self.lookup(addr, 0)
        if entry is None:
            if op == "+":
                self.add(addr, 0, now)
        elif op == "+":
            self.update(entry, now)
        else:
            self.remove(entry)


def list_rules(rulesets: Any) -> dict[str, Recent]:
    """The lists that exist in a namespace, each with the first rule using it: one per name
    some rule uses (``recent_mt_check`` creates it, the last ``recent_mt_destroy`` removes it)."""
    names: dict[str, Recent] = {}
    for ruleset in rulesets:
        for rule in ruleset.rules():
            for m in rule.matches:
                if m.name == "recent":
                    names.setdefault(m.value.name, m.value)
    return names


def namespace_table(value: Recent, env: Env) -> RecentTable:
    """The namespace's list for a rule's value (what its checkentry created)."""
    ext = find_match("recent")
    assert isinstance(ext, RecentMatch)
    return ext.table(value, env)


def jiffies(now: float) -> int:
    return INITIAL_JIFFIES + int(now * HZ)


def _roundup_pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


def nstamp_mask(hit_count: int) -> int:
    """The time-stamp ring size a rule needs (``recent_mt_check``)."""
    if IP_PKT_LIST_TOT and hit_count < IP_PKT_LIST_TOT:
        return _roundup_pow2(IP_PKT_LIST_TOT) - 1
    if hit_count:
        return _roundup_pow2(hit_count) - 1
    return 32 - 1


def _after(a: int, b: int) -> bool:
    """``time_after(a, b)``."""
    return a > b


@register
class RecentMatch(MatchExtension):
    name = "recent"
    revision = 1
    options = (
        *(
            Opt(opt, key=opt, invert=True, excl=("set", "rcheck", "update", "remove"))
            for _, opt, _ in _OPS
        ),
        Opt("seconds", OptType.UINT32, min=1),
        Opt("reap", also=("seconds",)),
        Opt("hitcount", OptType.UINT32),
        Opt("rttl", excl=("set", "remove")),
        Opt("name", OptType.STRING),
        Opt("rsource"),
        Opt("rdest"),
        Opt("mask", OptType.HOST),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        if call.opt.id in ("rsource", "rdest"):  # the last one given wins
            call.data["rdest"] = call.opt.id == "rdest"

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Recent:
        if not seen & {"set", "rcheck", "update", "remove"}:
            raise ParameterProblem(
                "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'"
            )
        check_set = 0
        invert = False
        for bit, opt, _ in _OPS:
            if opt in data:
                check_set |= bit
                invert = invert or bool(data.get(opt + "!"))
        check_set |= (TTL if "rttl" in data else 0) | (REAP if "reap" in data else 0)
        return Recent(
            check_set,
            invert,
            data.get("seconds", 0),
            data.get("hitcount", 0),
            put_string(data.get("name", "DEFAULT"), XT_RECENT_NAME_LEN),
            bool(data.get("rdest")),
            data.get("mask", ALL_ONES),
        )

    def save(self, value: Recent, show: Show) -> str:
        out = " !" if value.invert else ""
        out += "".join(f" --{opt}" for bit, opt, _ in _OPS if value.check_set & bit)
        if value.seconds:
            out += f" --seconds {_signed(value.seconds)}"
        if value.check_set & REAP:
            out += " --reap"
        if value.hit_count:
            out += f" --hitcount {_signed(value.hit_count)}"
        if value.check_set & TTL:
            out += " --rttl"
        out += f" --name {value.name} --mask {value.mask}"
        return out + (" --rdest" if value.rdest else " --rsource")

    def print(self, value: Recent, show: Show) -> str:
        out = " !" if value.invert else ""
        out += " recent:" + "".join(f" {word}" for bit, _, word in _OPS if value.check_set & bit)
        if value.seconds:
            out += f" seconds: {_signed(value.seconds)}"
        if value.check_set & REAP:
            out += " reap"
        if value.hit_count:
            out += f" hit_count: {_signed(value.hit_count)}"
        if value.check_set & TTL:
            out += " TTL-Match"
        out += f" name: {value.name} side: {'dest' if value.rdest else 'source'}"
        return out + f" mask: {value.mask}"

    def check(self, value: Recent, rule: RuleContext) -> None:
        """xt_recent ``recent_mt_check``."""
        if value.check_set & (SET | REMOVE) and (
            value.seconds or value.hit_count or value.check_set & (TTL | REAP)
        ):
            raise KernelRejected("EINVAL")
        if value.check_set & REAP and not value.seconds:
            raise KernelRejected("EINVAL")
        if value.hit_count >= XT_RECENT_MAX_NSTAMPS:
            raise KernelRejected(
                "EINVAL",
                f"xt_recent: hitcount ({value.hit_count}) is larger than allowed maximum "
                f"({XT_RECENT_MAX_NSTAMPS - 1})",
            )
        # xt_check_proc_name: the list becomes a file under /proc/net/xt_recent
        if value.name in ("", ".", "..") or "/" in value.name:
            raise KernelRejected("EINVAL")

    def table(self, value: Recent, env: Env) -> RecentTable:
        """The namespace's list ``value.name``, created by the first rule using it."""
        tables: dict[str, RecentTable] = env.services.setdefault("xt_recent", {})
        need = nstamp_mask(value.hit_count)
        t = tables.get(value.name)
        if t is None:
            t = tables[value.name] = RecentTable(value.name, value.mask, need)
        elif t.seen_rules.get(id(value)) is not value and need > t.nstamps_max_mask:
            t.flush()  # a rule needing a longer history resets the list
            t.nstamps_max_mask = need
        t.seen_rules[id(value)] = value
        return t

    def matches(self, value: Recent, skb: Skb, env: Env) -> bool:
        """xt_recent ``recent_mt``."""
        ip = skb.packet.ip
        addr = ip.dst if value.rdest else ip.src
        ttl = ip.ttl
        if skb.out_iface and skb.sock_uid is None:
            ttl += 1  # a forwarded packet: use the TTL it had before forwarding
        t = self.table(value, env)
        now = jiffies(env.now)
        masked = IPv4Address(int(addr) & int(t.mask))
        ret = value.invert
        e = t.lookup(masked, ttl if value.check_set & TTL else 0)
        if e is None:
            if not value.check_set & SET:
                return ret
            t.add(masked, ttl, now)
            return not ret
        if value.check_set & SET:
            ret = not ret
        elif value.check_set & REMOVE:
            t.remove(e)
            return not ret
        elif value.check_set & (CHECK | UPDATE):
            since = now - value.seconds * HZ
            hits = 0
            for stamp in e.stamps:
                if value.seconds and _after(since, stamp):
                    continue
                hits += 1
                if not value.hit_count or hits >= value.hit_count:
                    ret = not ret
                    break
            if value.check_set & REAP:
                self._reap(t, since, e, bool(value.check_set & UPDATE and ret))
        if value.check_set & SET or (value.check_set & UPDATE and ret):
            t.update(e, now)
            e.ttl = ttl
        return ret

    @staticmethod
    def _reap(t: RecentTable, since: int, working: RecentEntry, update: bool) -> None:
        """``recent_entry_reap``: drop the least recently used entry when it is too old."""
        if not t.entries:
            return
        oldest = t.entries[0]
        if oldest is working and update:
            return
        if _after(since, oldest.stamps[(oldest.index - 1) & t.nstamps_max_mask]):
            t.remove(oldest)


def _signed(n: int) -> int:
    """``%d`` of a u32 field."""
    return n - 2**32 if n >= 2**31 else n
