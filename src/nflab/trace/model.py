"""What a trace records: hook passes grouped into hops, as plain values.

A *hop* is one packet's stay in one network namespace: from the moment it
arrives on an interface (or a socket sends it) to its fate there (delivered
to a socket, forwarded or sent out of a device, dropped, stolen). A hop is a
list of *hook passes* (PREROUTING, INPUT, ...), each with the packet as it
entered and left the hook, the connection tracking state before and after,
and the engine's steps (every rule evaluated, the verdicts, the policies).
Hops are linked: ``prev`` is the hop that sent the packet this hop received
(over a cable, or through ``lo``), ``answers`` the hop whose packet this one
answers at once (a RST for a port nobody listens on, REJECT's reply, an ICMP
error). Nothing here knows how it will be shown (:mod:`.report` does that).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..netfilter.conntrack import Tuple
from ..netfilter.engine import Step
from ..packet.headers import Packet


@dataclass(frozen=True, slots=True)
class CtSnap:
    """A packet's connection tracking state at one moment (``skb->_nfct``)."""

    state: str  # NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED
    conn: int | None = None  # the entry's id in its namespace
    reply: bool = False  # the packet travels in the reply direction
    tcp_state: str | None = None
    status: tuple[str, ...] = ()  # CONFIRMED, SEEN_REPLY, ASSURED, SRC_NAT, DST_NAT ...
    original: Tuple | None = None
    reply_tuple: Tuple | None = None


@dataclass
class HookPass:
    hook: str
    in_iface: str
    out_iface: str
    before: Packet
    ct_before: CtSnap | None
    mark_before: int
    steps: list[Step] = field(default_factory=list)
    after: Packet | None = None
    ct_after: CtSnap | None = None
    mark_after: int = 0
    verdict: str = ""  # ACCEPT, DROP, QUEUE, STOLEN


@dataclass
class HopFate:
    kind: str  # delivered, forwarded, sent, dropped, stolen, queued, bridged, lost
    reason: str = ""  # the device for sent/forwarded; why, for drops
    hook: str = ""


@dataclass
class Hop:
    index: int
    machine: str  # the namespace's label: "vm", or "vm:NS" for a named namespace
    time: float
    origin: str  # "local" (a socket or the kernel sent it), "received", "loopback"
    in_iface: str
    first: Packet  # the packet as it entered the namespace
    passes: list[HookPass] = field(default_factory=list)
    fate: HopFate | None = None
    last: Packet | None = None  # the packet as it left (or died)
    prev: int | None = None  # the hop that sent what this one received
    answers: int | None = None  # the hop whose packet this one answers at once

    @property
    def packet(self) -> Packet:
        """The packet as it was last seen."""
        if self.last is not None:
            return self.last
        if self.passes and self.passes[-1].after is not None:
            return self.passes[-1].after
        return self.first


@dataclass
class Trace:
    """Everything recorded between the start and the end of a trace, in order."""

    hops: list[Hop] = field(default_factory=list)
