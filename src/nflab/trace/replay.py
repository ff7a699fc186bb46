"""``nflab trace --pcap``: a capture replayed through a rule set, with connection tracking.

Each IPv4 frame of the capture enters the machine in order, the simulated
clock following the capture's timestamps (so conntrack timeouts and rate
limits see the real gaps). Where it enters: ``--in IFACE`` when given; a
packet whose source is one of the machine's addresses is sent by the machine
itself (OUTPUT); any other arrives on the interface of the route back to its
source (the connected network it comes from, or the default route's), so a
capture of both directions of a router's traffic replays both ways.
Packets delivered to the machine go no further: its sockets do not answer
them (the capture holds whatever answers there were).

The result: how many packets ended how (delivered, forwarded, dropped and
where, ...), and every rule's packet and byte counts (the kernel's own
counters, as ``iptables -nvL`` would show them after the replay).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..netfilter.skb import Skb
from ..packet.ethernet import parse_frame
from ..packet.headers import Packet
from ..packet.pcap import LINKTYPE_ETHERNET, PcapFile
from ..stack.ip import Fate
from .hookview import rule_text
from .offline import SETTLE, OfflineMachine, SetupError


@dataclass(frozen=True, slots=True)
class RuleHits:
    table: str
    chain: str
    rulenum: int  # 0: the chain's policy
    text: str  # the rule, or ``-P CHAIN POLICY``
    packets: int
    bytes: int


@dataclass
class ReplayResult:
    frames: int = 0
    packets: int = 0  # IPv4 packets replayed
    skipped: Counter[str] = field(default_factory=Counter)  # frames not replayed, by kind
    fates: Counter[tuple[str, str]] = field(default_factory=Counter)  # (fate, where) -> count
    rules: list[RuleHits] = field(default_factory=list)


def arrival(machine: OfflineMachine, packet: Packet, forced: str | None) -> str:
    """The interface a captured packet arrives on ("" when the machine sends it)."""
    if forced:
        return forced
    netns = machine.handle.netns
    if packet.ip.src in netns.local_addresses():
        return ""
    hit = netns.fib.lookup(packet.ip.src)
    if hit is not None and hit.route.dev != "lo":
        return hit.route.dev
    return machine.interfaces[0] if machine.interfaces else ""


def replay(machine: OfflineMachine, capture: PcapFile, forced: str | None = None,
           flavour: str = "nft") -> ReplayResult:
    if capture.linktype != LINKTYPE_ETHERNET:
        raise SetupError(f"--pcap: link type {capture.linktype}: only Ethernet captures (1) "
                         "can be replayed")
    if forced and forced not in machine.handle.netns.interfaces:
        raise SetupError(f"--in {forced}: no such interface (known: "
                         f"{', '.join(machine.interfaces)})")
    result = ReplayResult()
    ip = machine.handle.ip
    ends: dict[int, tuple[str, str]] = {}
    watched: dict[int, Skb] = {}
    before = ip.observer

    def observe(skb: Skb, fate: Fate) -> None:
        if id(skb) in watched:
            where = fate.reason if fate.kind in ("dropped", "stolen", "queued") else ""
            ends[id(skb)] = (fate.kind, where)
        if before is not None:
            before(skb, fate)

    ip.observer = observe
    deliver = ip.deliver
    ip.deliver = lambda skb: None
    scheduler = machine.world.scheduler
    start = capture.records[0].timestamp if capture.records else 0.0
    try:
        for record in capture.records:
            result.frames += 1
            packet = _packet(record.data, result)
            if packet is None:
                continue
            result.packets += 1
            delay = record.timestamp - start - scheduler.now
            if delay > 0:
                scheduler.advance(delay)
            dev = arrival(machine, packet, forced)
            skb = Skb(packet, in_iface=dev)
            watched[id(skb)] = skb
            if dev:
                skb.mac_header = bytes(14)
                ip.receive(packet, dev, skb)
            else:
                ip.local_out(packet, skb)
            scheduler.advance(SETTLE)
            result.fates[ends.pop(id(skb), ("in flight", ""))] += 1
            del watched[id(skb)]
    finally:
        ip.observer = before
        ip.deliver = deliver
    result.rules = rule_hits(machine, flavour)
    return result


def _packet(data: bytes, result: ReplayResult) -> Packet | None:
    try:
        frame = parse_frame(data, strict=False)
    except ValueError:
        result.skipped["unreadable"] += 1
        return None
    if isinstance(frame.payload, Packet):
        return frame.payload
    kind = type(frame.payload).__name__.lower()
    result.skipped[{"arp": "arp", "ipv6packet": "ipv6"}.get(kind, "other")] += 1
    return None


def rule_hits(machine: OfflineMachine, flavour: str) -> list[RuleHits]:
    """Every rule's counters (and each built-in chain's policy counter), table by table."""
    ruleset = machine.handle.netns.netfilter.ruleset(flavour)
    hits: list[RuleHits] = []
    for table in ruleset.tables.values():
        for chain in table.ordered_chains():
            if chain.builtin:
                c = chain.policy_counters
                hits.append(RuleHits(table.name, chain.name, 0, f"-P {chain.name} {chain.policy}",
                                     c.packets, c.bytes))
            for n, (rule, count) in enumerate(zip(chain.rules, chain.counters, strict=True), 1):
                hits.append(RuleHits(table.name, chain.name, n, rule_text(chain.name, rule),
                                     count.packets, count.bytes))
    return hits


def replay_lines(result: ReplayResult, name: str, everything: bool = False) -> list[str]:
    skipped = sum(result.skipped.values())
    head = f"replayed {name}: {result.frames} frames, {result.packets} IPv4 packets"
    if skipped:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.skipped.items()))
        head += f" ({skipped} not replayed: {kinds})"
    out = [head, "", "verdicts:"]
    width = len(str(max(result.fates.values(), default=0)))
    for (fate, where), count in sorted(result.fates.items(), key=lambda i: (-i[1], i[0])):
        out.append(f"  {count:>{width}} {fate}" + (f" in {where}" if where else ""))
    out += ["", "rule hits (packets bytes rule):"]
    shown = [h for h in result.rules if everything or h.packets]
    width = len(str(max((h.packets for h in shown), default=0)))
    bwidth = len(str(max((h.bytes for h in shown), default=0)))
    current = None
    for hit in shown:
        if hit.table != current:
            current = hit.table
            out.append(f"  *{hit.table}")
        out.append(f"  {hit.packets:>{width}} {hit.bytes:>{bwidth}}  {hit.text}")
    silent = sum(1 for h in result.rules if h.rulenum and not h.packets)
    if silent and not everything:
        out.append(f"  ({silent} rules matched no packet; -v lists them too)")
    return out


def replay_json(result: ReplayResult, name: str) -> dict[str, Any]:
    return {
        "schema": "nflab-replay/1", "capture": name, "frames": result.frames,
        "packets": result.packets, "skipped": dict(sorted(result.skipped.items())),
        "verdicts": [{"fate": f, "where": w or None, "packets": n}
                     for (f, w), n in sorted(result.fates.items(), key=lambda i: (-i[1], i[0]))],
        "rules": [{"table": h.table, "chain": h.chain, "rule": h.rulenum or None,
                   "text": h.text, "packets": h.packets, "bytes": h.bytes} for h in result.rules],
    }  # fmt: skip
