"""A trace's report: the values every output form (text, colour, JSON) is made from.

:func:`~.analysis.build_report` turns the recorded :class:`~.model.Trace` into packets
(each the journey of one packet across the lab: its hops, and in each hop
the hooks, tables, chains and rules it went through, the conntrack state,
the NAT binding made, the header rewrites, its fate and why) and
connections (the packets of one flow, request and reply, and the path of
each: the addresses and ports between the NAT steps, for the diagram).
Pure: values in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..netfilter.conntrack import Tuple
from ..packet.headers import Packet
from .flows import Change, Flow
from .model import CtSnap


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One step of the rule engine, as shown."""

    table: str
    chain: str
    rulenum: int  # 0 for a policy
    event: str  # match, miss, target, jump, goto, return, policy, hotdrop
    verdict: str = ""  # ACCEPT, DROP, CONTINUE, the chain jumped to, the policy ...
    text: str = ""  # the rule as ``-A CHAIN ...`` ("" for a policy or the end of a chain)
    target: str = ""  # the rule's target name (DNAT, LOG, a chain ...), "" without one


@dataclass(frozen=True, slots=True)
class TableWalk:
    """One table's chain for one hook: every step, and the one that decided."""

    table: str
    hook: str
    lines: tuple[RuleLine, ...]
    verdict: str  # what the table answered: ACCEPT, DROP, QUEUE, STOLEN
    decided_by: RuleLine | None


@dataclass(frozen=True, slots=True)
class NatMade:
    """The binding the nat table made for a new connection (``nf_nat_setup_info``)."""

    manip: str  # "source" or "destination"
    target: str  # SNAT, DNAT, MASQUERADE, REDIRECT, ...; "" for a null binding
    rule: str  # the rule's text ("" for a null binding)
    original: Tuple
    reply: Tuple


@dataclass(frozen=True, slots=True)
class HookView:
    hook: str
    in_iface: str
    out_iface: str
    tables: tuple[TableWalk, ...]
    verdict: str
    ct_before: CtSnap | None
    ct_after: CtSnap | None
    nat: NatMade | None
    changes: tuple[Change, ...]
    changed_by: str  # what rewrote the headers ("" when nothing did)
    mark_before: int = 0
    mark_after: int = 0


@dataclass(frozen=True, slots=True)
class HopView:
    """One packet's stay in one namespace."""

    hop: int  # the hop's index in the trace
    machine: str
    time: float
    origin: str  # local, received, loopback
    in_iface: str
    hooks: tuple[HookView, ...]
    fate: str  # delivered, forwarded, sent, dropped, stolen, queued, bridged, lost, in flight
    device: str  # where it left (sent, forwarded, bridged)
    explanation: str  # why it died, in words, with the setting to change ("" when it did not)
    routing: tuple[Change, ...] = ()  # rewrites between the hooks (the TTL when forwarding)


@dataclass(frozen=True, slots=True)
class PacketView:
    """One packet's journey: the hops from the one that sent it to the one where it ended."""

    id: int
    summary: str  # as it was sent
    first: Packet
    hops: tuple[HopView, ...]
    fate: str
    where: str  # the machine of the last hop
    explanation: str
    connection: int | None = None
    direction: str = ""  # original, reply, related
    answers: int | None = None  # the packet this one answers (a RST, an ICMP error ...)


@dataclass(frozen=True, slots=True)
class Leg:
    """The flow between two NAT steps (or an end), and the machines it crosses."""

    flow: Flow
    machines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NatStep:
    machine: str
    hook: str
    target: str  # DNAT, SNAT, MASQUERADE, REDIRECT ... (the rule's target, also for replies)
    rule: str  # the rule that made the binding (for the request), "" for a reply
    changed: tuple[str, ...]  # src, sport, dst, dport


@dataclass(frozen=True, slots=True)
class Path:
    """A packet's flow from end to end: ``len(steps) == len(legs) - 1``."""

    packet: int
    legs: tuple[Leg, ...]
    steps: tuple[NatStep, ...]
    start: str
    end: str
    fate: str
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Connection:
    id: int
    flow: Flow  # as the client sent it
    client: str
    server: str
    request: Path
    reply: Path | None
    packets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Report:
    packets: tuple[PacketView, ...]
    connections: tuple[Connection, ...]

