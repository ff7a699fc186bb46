"""The ARP neighbour table of one namespace (``net/ipv4/arp.c``, ``net/core/neighbour.c``).

Each entry runs the kernel's NUD state machine (``neigh_timer_handler``,
``__neigh_event_send``, ``__neigh_update``), with the default parameters:

- a packet toward an unknown next hop waits in an INCOMPLETE entry while
  broadcast ARP requests go out (``mcast_solicit`` 3, ``retrans_time`` 1 s);
  the answer makes it REACHABLE and releases the queue, three unanswered
  requests make it FAILED and its packets come back as "host unreachable";
- an ARP request addressed to us creates (or refreshes) the asker's entry as
  STALE: a request does not prove that the asker hears us;
- REACHABLE lasts ``reachable_time`` (30 s) after the last confirmation, then
  the entry is STALE, or DELAY if it was used in the last 5 s;
- a packet sent through a STALE entry makes it DELAY; 5 s later
  (``delay_first_probe_time``) it is REACHABLE again if something confirmed the
  neighbour meanwhile (TCP does, with every ACK that acknowledges new data:
  ``sk_dst_confirm``), else PROBE: unicast ARP requests to the known address,
  every second, three at most (``ucast_solicit``), then FAILED.

The timers are kernel ``timer_list`` timers: they run on the timer wheel's
schedule (:mod:`.timer_wheel`), as retransmitted requests 1.024 s apart show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from ..packet.headers import Packet
from .timer_wheel import wheel_delay

MCAST_PROBES = 3  # neigh/default/mcast_solicit
UCAST_PROBES = 3  # neigh/default/ucast_solicit
RETRANS_TIME = 1.0  # retrans_time_ms
QUEUE_MAX = 101  # unres_qlen: packets held while resolving
REACHABLE_TIME = 30.0  # base_reachable_time (the kernel draws 15-45 s; nflab takes the middle)
DELAY_PROBE_TIME = 5.0  # delay_first_probe_time

INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, FAILED, PERMANENT = (
    "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "PERMANENT",
)  # fmt: skip
_VALID = frozenset({REACHABLE, STALE, DELAY, PROBE, PERMANENT})  # NUD_VALID: has an address


@dataclass
class Neighbour:
    dev: str
    address: IPv4Address
    mac: bytes | None = None
    nud: str = INCOMPLETE
    confirmed: float = 0.0  # the last proof that the neighbour hears us
    used: float = 0.0  # the last packet sent through the entry
    probes: int = 0
    queue: list[tuple[Packet, object]] = field(default_factory=list)
    timer: object = None

    def state(self, now: float = 0.0) -> str:
        """The NUD state ``ip neigh`` prints."""
        return self.nud

    @property
    def valid(self) -> bool:
        return self.nud in _VALID


@dataclass(frozen=True, slots=True)
class NeighbourHooks:
    """What resolution asks of the namespace's link layer."""

    # dev, target, the packet waiting (None for a probe of a known neighbour), the MAC to
    # ask (None: broadcast)
    solicit: Callable[[str, IPv4Address, Packet | None, bytes | None], None]
    now: Callable[[], float]
    later: Callable[[float, Callable[[], None]], object]
    cancel: Callable[[object], None]
    send: Callable[[str, Packet, bytes, object], None]  # dev, packet, destination MAC, skb
    unreachable: Callable[[Packet, object], None]  # a queued packet whose resolution failed


def confirms(skb: object) -> bool:
    """Does the packet carry its socket's pending neighbour confirmation (``sock_confirm_neigh``)?"""
    extra = getattr(skb, "extra", None)
    return bool(extra and extra.get("dst_pending_confirm"))


class Neighbours:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, IPv4Address], Neighbour] = {}
        self.hooks: NeighbourHooks | None = None

    def attach(self, hooks: NeighbourHooks) -> None:
        self.hooks = hooks

    def _hooks(self) -> NeighbourHooks:
        assert self.hooks is not None, "the neighbour table has no link layer attached"
        return self.hooks

    # -- timers -------------------------------------------------------------------------------

    def _arm(self, entry: Neighbour, at: float) -> None:
        """``neigh_add_timer``/``mod_timer``: one timer per entry, on the wheel."""
        hooks = self._hooks()
        self._disarm(entry)
        now = hooks.now()
        entry.timer = hooks.later(wheel_delay(now, max(0.0, at - now)), lambda: self._expire(entry))

    def _disarm(self, entry: Neighbour) -> None:
        if entry.timer is not None and self.hooks is not None:
            self.hooks.cancel(entry.timer)
        entry.timer = None

    def _expire(self, entry: Neighbour) -> None:
        """``neigh_timer_handler``."""
        entry.timer = None
        now = self._hooks().now()
        if entry.nud == REACHABLE:
            if now <= entry.confirmed + REACHABLE_TIME:
                self._arm(entry, entry.confirmed + REACHABLE_TIME)
            elif now <= entry.used + DELAY_PROBE_TIME:
                entry.nud = DELAY
                self._arm(entry, now + DELAY_PROBE_TIME)
            else:
                entry.nud = STALE
            return
        if entry.nud == DELAY:
            if now <= entry.confirmed + DELAY_PROBE_TIME:
                entry.nud = REACHABLE
                self._arm(entry, entry.confirmed + REACHABLE_TIME)
                return
            entry.nud, entry.probes = PROBE, 0
        if entry.nud not in (INCOMPLETE, PROBE):
            return
        limit = MCAST_PROBES if entry.nud == INCOMPLETE else UCAST_PROBES
        if entry.probes >= limit:
            self._fail(entry)
            return
        self._arm(entry, now + RETRANS_TIME)
        self._solicit(entry)

    def _solicit(self, entry: Neighbour) -> None:
        """``neigh_probe`` → ``arp_solicit``: broadcast while INCOMPLETE, unicast to the
        known address while PROBE."""
        entry.probes += 1
        waiting = entry.queue[-1][0] if entry.queue else None
        unicast = entry.mac if entry.nud == PROBE else None
        self._hooks().solicit(entry.dev, entry.address, waiting, unicast)

    def _fail(self, entry: Neighbour) -> None:
        entry.nud = FAILED
        queued, entry.queue = entry.queue, []
        hooks = self._hooks()
        for packet, skb in queued:
            hooks.unreachable(packet, skb)

    # -- output ---------------------------------------------------------------------------------

    def output(self, dev: str, nexthop: IPv4Address, packet: Packet, skb: object) -> None:
        """``neigh_output``/``neigh_resolve_output``: send now when the entry has an address,
        else queue and solicit."""
        hooks = self._hooks()
        entry = self.entries.get((dev, nexthop))
        if entry is None:
            entry = self.entries[(dev, nexthop)] = Neighbour(dev, nexthop, nud=FAILED)
        now = hooks.now()
        if confirms(skb):
            entry.confirmed = now  # ``neigh_confirm``
        if entry.valid:
            entry.used = now
            if entry.nud == STALE:  # ``__neigh_event_send``: the first use of a stale entry
                entry.nud = DELAY
                self._arm(entry, now + DELAY_PROBE_TIME)
            assert entry.mac is not None
            hooks.send(dev, packet, entry.mac, skb)
            return
        if entry.nud == FAILED:  # ``__neigh_event_send``: resolve (again)
            entry.nud, entry.probes, entry.mac = INCOMPLETE, 0, None
            if len(entry.queue) < QUEUE_MAX:
                entry.queue.append((packet, skb))
            self._arm(entry, now + RETRANS_TIME)
            self._solicit(entry)
            return
        if len(entry.queue) < QUEUE_MAX:
            entry.queue.append((packet, skb))

    # -- what ARP tells ---------------------------------------------------------------------------

    def learn(self, dev: str, address: IPv4Address, mac: bytes, *, create: bool,
              reachable: bool = False) -> None:
        """``arp_process`` → ``neigh_update``: a request addressed to us (``create``) makes the
        asker's entry STALE; a unicast reply to us (``reachable``) confirms an entry we have,
        a broadcast one only refreshes it."""
        entry = self.entries.get((dev, address))
        if entry is None:
            if not create:
                return
            entry = self.entries[(dev, address)] = Neighbour(dev, address, nud=FAILED)
        if entry.nud == PERMANENT:
            return
        now = self._hooks().now()
        new = REACHABLE if reachable else STALE
        if new == STALE and entry.valid and entry.mac == mac:
            new = entry.nud  # a valid entry keeps its state when nothing new was learned
        was_valid = entry.valid
        if reachable:
            entry.confirmed = now
        elif entry.mac != mac:
            entry.confirmed = now - 2 * REACHABLE_TIME  # not confirmed by this
        entry.mac = mac
        if new != entry.nud:
            self._disarm(entry)
            entry.nud = new
            if new == REACHABLE:
                self._arm(entry, now + REACHABLE_TIME)
        if not was_valid:
            entry.probes = 0
            queued, entry.queue = entry.queue, []
            for packet, skb in queued:  # through ``neigh->output``: a STALE entry turns DELAY
                self.output(dev, address, packet, skb)

    # -- device changes --------------------------------------------------------------------

    def flush_dev(self, dev: str) -> None:
        """A device went down or away: its entries go (``neigh_ifdown``)."""
        for key in [k for k in self.entries if k[0] == dev]:
            self._disarm(self.entries.pop(key))

    def rename_dev(self, old: str, new: str) -> None:
        for key in [k for k in self.entries if k[0] == old]:
            entry = self.entries.pop(key)
            entry.dev = new
            self.entries[(new, key[1])] = entry
