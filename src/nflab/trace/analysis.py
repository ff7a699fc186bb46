"""From recorded hops to the report: journeys, their explanations, connections, paths.

A *journey* is the chain of hops one packet made (each hop's successor is the
hop that received what it sent). Journeys are grouped into connections by
their flows: a journey that starts with the flow a connection's client sent
is one more request; one that starts with the reverse of what the server
received (or of any flow seen on the way, for a middle box's answer) is a
reply; an ICMP error quoting one of those flows is related to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .explain import explain
from .flows import Flow, changes, flow_of, summary
from .hookview import hook_view
from .model import Hop, Trace
from .report import Connection, HookView, HopView, Leg, NatStep, PacketView, Path, Report

_FIELDS = ("src", "sport", "dst", "dport")


def build_report(trace: Trace, closed: bool = True) -> Report:
    """The report of a trace. ``closed``: the trace saw every machine a packet can reach
    (a lab), so a packet that left and reached none was lost; an offline trace of one
    machine is not closed (what leaves it has simply gone)."""
    hops = trace.hops
    successor: dict[int, int] = {}
    for hop in hops:
        if hop.prev is not None:
            successor.setdefault(hop.prev, hop.index)
    answer_of: dict[int, Hop] = {}
    for hop in hops:
        if hop.answers is not None:
            answer_of.setdefault(hop.answers, hop)
    views = {hop.index: tuple(hook_view(p) for p in hop.passes) for hop in hops}
    nat_targets = _nat_targets(hops, views)
    journeys: list[list[Hop]] = []
    packet_of: dict[int, int] = {}
    for hop in hops:
        if hop.prev is not None and hop.prev in packet_of:
            continue
        journey = [hop]
        while journey[-1].index in successor:
            journey.append(hops[successor[journey[-1].index]])
        journeys.append(journey)
        for member in journey:
            packet_of[member.index] = len(journeys)
    grouping = _Grouping()
    packets = []
    for number, journey in enumerate(journeys, 1):
        hop_views = tuple(_hop_view(h, views[h.index], successor, answer_of, closed)
                          for h in journey)
        last = hop_views[-1]
        answers = journey[0].answers
        conn, direction = grouping.place(number, journey)
        explanation = last.explanation
        if direction == "reply" and " has no route to " in explanation:
            explanation += ", or SNAT the request so that replies come back to this path"
        packets.append(PacketView(
            number, summary(journey[0].first), journey[0].first, hop_views, last.fate,
            last.machine, explanation, conn, direction,
            packet_of.get(answers) if answers is not None else None,
        ))
    paths = {n: _path(n, j, views, nat_targets, packets[n - 1]) for n, j in enumerate(journeys, 1)}
    connections = tuple(group.connection(paths) for group in grouping.groups)
    return Report(tuple(packets), connections)


def _hop_view(hop: Hop, hooks: tuple[HookView, ...], successor: dict[int, int],
              answer_of: dict[int, Hop], closed: bool) -> HopView:
    fate = hop.fate.kind if hop.fate is not None else "in flight"
    reason = hop.fate.reason if hop.fate is not None else ""
    device = reason if fate in ("sent", "forwarded", "bridged") else ""
    answer = answer_of.get(hop.index)
    routing = []
    for before, after in zip(hop.passes, hop.passes[1:], strict=False):
        if before.after is not None:
            routing += changes(before.after, after.before)
    text = explain(hop.machine, fate, reason, hooks, hop.packet,
                   answer.first if answer is not None else None,
                   hop.index in successor or not closed)
    return HopView(hop.index, hop.machine, hop.time, hop.origin, hop.in_iface, hooks, fate,
                   device, text, tuple(routing))


def _nat_targets(hops: list[Hop], views: dict[int, tuple[HookView, ...]]) -> dict[tuple, str]:
    """Which target made each binding: (machine, connection, manip) -> DNAT, SNAT ..."""
    found: dict[tuple, str] = {}
    for hop in hops:
        for view in views[hop.index]:
            ct = view.ct_after
            if view.nat is not None and view.nat.target and ct is not None:
                found[(hop.machine, ct.conn, view.nat.manip)] = view.nat.target
    return found


def _path(number: int, journey: list[Hop], views: dict[int, tuple[HookView, ...]],
          nat_targets: dict[tuple, str], packet: PacketView) -> Path:
    legs: list[Leg] = []
    steps: list[NatStep] = []
    flow = flow_of(journey[0].first)
    machines = [journey[0].machine]
    for hop in journey:
        if machines[-1] != hop.machine:
            machines.append(hop.machine)
        for hook_pass, view in zip(hop.passes, views[hop.index], strict=True):
            after = flow_of(hook_pass.after if hook_pass.after is not None else hook_pass.before)
            if after == flow:
                continue
            legs.append(Leg(flow, tuple(machines)))
            changed = tuple(f for f in _FIELDS if getattr(flow, f) != getattr(after, f))
            target, rule = _label(hop.machine, view, changed, nat_targets)
            steps.append(NatStep(hop.machine, view.hook, target, rule, changed))
            flow = after
            machines = [hop.machine]
    legs.append(Leg(flow, tuple(machines)))
    first, last = journey[0], journey[-1]
    start, end = first.machine, last.machine
    if first.origin == "received" and first.prev is None:
        start = f"{first.machine}:{first.in_iface}"  # it came from outside the trace
    if packet.hops[-1].device:
        end = f"{last.machine}:{packet.hops[-1].device}"  # it left, and no machine took it
    return Path(number, tuple(legs), tuple(steps), start, end, packet.fate, packet.explanation)


def _label(machine: str, view: HookView, changed: tuple[str, ...],
           nat_targets: dict[tuple, str]) -> tuple[str, str]:
    if view.nat is not None and view.nat.target:
        return view.nat.target, view.nat.rule
    ct = view.ct_after
    source_side = "src" in changed or "sport" in changed
    reply = ct is not None and ct.reply
    # a reply's source is rewritten back by the original destination NAT, and vice versa
    manip = "destination" if source_side == reply else "source"
    if ct is not None:
        known = nat_targets.get((machine, ct.conn, manip))
        if known:
            return known, ""
    return ("DNAT" if manip == "destination" else "SNAT"), ""


@dataclass
class _Group:
    id: int
    flow: Flow  # the client's
    end: Flow  # what the server received
    seen: set[Flow]
    request: int
    reply: int | None = None
    packets: list[int] = field(default_factory=list)

    def connection(self, paths: dict[int, Path]) -> Connection:
        request = paths[self.request]
        reply = paths[self.reply] if self.reply is not None else None
        return Connection(self.id, self.flow, request.start, request.end, request, reply,
                          tuple(self.packets))


class _Grouping:
    def __init__(self) -> None:
        self.groups: list[_Group] = []

    def place(self, number: int, journey: list[Hop]) -> tuple[int | None, str]:
        start = flow_of(journey[0].first)
        flows = {flow_of(p.after or p.before) for h in journey for p in h.passes} | {start}
        icmp = journey[0].first.icmp
        quoted = flow_of(icmp.quoted) if icmp is not None and icmp.quoted is not None else None
        for group in self.groups:
            direction = ""
            if start == group.flow:
                direction = "original"
            elif start == group.end.reversed() or start.reversed() in group.seen:
                direction = "reply"
                if group.reply is None:
                    group.reply = number
            elif quoted is not None and (quoted in group.seen or quoted.reversed() in group.seen):
                direction = "related"
            if direction:
                group.packets.append(number)
                group.seen |= flows
                return group.id, direction
        if icmp is not None and icmp.is_error:
            return None, ""
        end = flow_of(journey[-1].packet)
        group = _Group(len(self.groups) + 1, start, end, flows, number, None, [number])
        self.groups.append(group)
        return group.id, "original"
