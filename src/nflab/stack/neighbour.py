"""The ARP neighbour table of one namespace (``net/ipv4/arp.c``, ``net/core/neighbour.c``).

A packet toward an unresolved next hop waits in its neighbour entry while
ARP requests go out (``mcast_solicit`` = 3 probes, ``retrans_time`` = 1 s);
the reply releases the queue; three unanswered probes fail the entry and
its packets come back as "host unreachable". Entries are learned from
requests addressed to us and from replies; a confirmed entry is REACHABLE
for ``base_reachable_time`` (30 s), then STALE (``ip neigh`` shows it so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from ..packet.headers import Packet

PROBES = 3  # neigh/default/mcast_solicit
# retrans_time_ms is 1000, but the kernel's timer wheel (HZ=250, level-1 granularity of
# 8 jiffies) rounds 250 jiffies up to 256: probes go out every 1.024 s (measured here)
RETRANS = 1.024
QUEUE_MAX = 101  # unres_qlen: packets held while resolving
REACHABLE_TIME = 30.0  # base_reachable_time


@dataclass
class Neighbour:
    dev: str
    address: IPv4Address
    mac: bytes | None = None
    failed: bool = False
    permanent: bool = False
    confirmed: float = 0.0
    probes: int = 0
    queue: list[tuple[Packet, object]] = field(default_factory=list)
    timer: object = None

    def state(self, now: float) -> str:
        """The NUD state ``ip neigh`` prints."""
        if self.permanent:
            return "PERMANENT"
        if self.failed:
            return "FAILED"
        if self.mac is None:
            return "INCOMPLETE"
        return "REACHABLE" if now - self.confirmed <= REACHABLE_TIME else "STALE"


@dataclass(frozen=True, slots=True)
class NeighbourHooks:
    """What resolution asks of the namespace's link layer."""

    solicit: Callable[[str, IPv4Address, Packet], None]  # dev, target, the packet waiting
    now: Callable[[], float]
    later: Callable[[float, Callable[[], None]], object]
    cancel: Callable[[object], None]
    send: Callable[[str, Packet, bytes, object], None]  # dev, packet, destination MAC, skb
    unreachable: Callable[[Packet, object], None]  # a queued packet whose resolution failed


class Neighbours:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, IPv4Address], Neighbour] = {}
        self.hooks: NeighbourHooks | None = None

    def attach(self, hooks: NeighbourHooks) -> None:
        self.hooks = hooks

    def _hooks(self) -> NeighbourHooks:
        assert self.hooks is not None, "the neighbour table has no link layer attached"
        return self.hooks

    # -- resolution ------------------------------------------------------------------------

    def output(self, dev: str, nexthop: IPv4Address, packet: Packet, skb: object) -> None:
        """``neigh_output``: send now when resolved, else queue and solicit."""
        hooks = self._hooks()
        entry = self.entries.get((dev, nexthop))
        if entry is not None and entry.mac is not None and not entry.failed:
            hooks.send(dev, packet, entry.mac, skb)
            return
        if entry is None or entry.failed:
            entry = Neighbour(dev, nexthop)
            self.entries[(dev, nexthop)] = entry
        if len(entry.queue) < QUEUE_MAX:
            entry.queue.append((packet, skb))
        if entry.timer is None:
            self._probe(entry)

    def _probe(self, entry: Neighbour) -> None:
        hooks = self._hooks()
        entry.timer = None
        if entry.mac is not None:
            return
        if entry.probes >= PROBES:
            entry.failed = True
            queued, entry.queue = entry.queue, []
            for packet, skb in queued:
                hooks.unreachable(packet, skb)
            return
        entry.probes += 1
        hooks.solicit(entry.dev, entry.address, entry.queue[-1][0])
        entry.timer = hooks.later(RETRANS, lambda: self._probe(entry))

    def learn(self, dev: str, address: IPv4Address, mac: bytes, *, create: bool) -> None:
        """ARP told us ``address`` is at ``mac`` (``arp_process`` → ``neigh_update``)."""
        entry = self.entries.get((dev, address))
        if entry is None:
            if not create:
                return
            entry = Neighbour(dev, address)
            self.entries[(dev, address)] = entry
        if entry.permanent:
            return
        hooks = self._hooks()
        entry.mac, entry.failed, entry.probes = mac, False, 0
        entry.confirmed = hooks.now()
        if entry.timer is not None:
            hooks.cancel(entry.timer)
            entry.timer = None
        queued, entry.queue = entry.queue, []
        for packet, skb in queued:
            hooks.send(dev, packet, mac, skb)

    # -- device changes --------------------------------------------------------------------

    def flush_dev(self, dev: str) -> None:
        """A device went down or away: its entries go (``neigh_ifdown``)."""
        for key in [k for k in self.entries if k[0] == dev]:
            entry = self.entries.pop(key)
            if entry.timer is not None and self.hooks is not None:
                self.hooks.cancel(entry.timer)

    def rename_dev(self, old: str, new: str) -> None:
        for key in [k for k in self.entries if k[0] == old]:
            entry = self.entries.pop(key)
            entry.dev = new
            self.entries[(new, key[1])] = entry
