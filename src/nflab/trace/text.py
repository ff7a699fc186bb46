"""The report as text: plain (transcripts) or coloured (a terminal).

Levels of detail: 0 gives the connection diagrams and one line per packet
(where it went, how it ended and why); 1 adds, for every hop, every hook with
its tables, the rules that matched (and how many did not), policies, jumps
and returns, the conntrack state, the NAT binding and the header rewrites;
2 also lists every rule that did not match, with its text.
"""

from __future__ import annotations

from .canvas import paint
from .diagram import render as render_diagram
from .flows import Change
from .hookview import gained
from .model import CtSnap
from .report import Connection, HookView, HopView, PacketView, Report, RuleLine, TableWalk


def render_text(report: Report, level: int = 0, colour: bool = False) -> list[str]:
    out: list[str] = []
    npk, ncn = len(report.packets), len(report.connections)
    out.append(paint(f"trace: {_plural(npk, 'packet')}, {_plural(ncn, 'connection')}", "head",
                     colour))
    for conn in report.connections:
        out.append("")
        out += connection_lines(conn, colour)
    if report.packets:
        out.append("")
    if not level and report.packets:
        out.append("packets:")
        width = len(str(len(report.packets)))
        for packet in report.packets:
            out += packet_line(packet, width, len(report.connections) > 1, colour)
        return out
    for packet in report.packets:
        out += packet_lines(packet, level, colour)
    return out


def packet_line(packet: PacketView, width: int, tag: bool, colour: bool = False) -> list[str]:
    """One line per packet: what it was, where it went, how it ended (and why)."""
    route = " -> ".join(_dedup([h.machine for h in packet.hops]))
    mark = ""
    if tag and packet.connection is not None:
        mark = f" [{packet.connection}{'<' if packet.direction == 'reply' else '>'}]"
    line = f"  {packet.id:>{width}} {packet.summary}{mark}  {route}: {_fate(packet.fate, colour)}"
    out = [line]
    if packet.explanation:
        out.append(" " * (width + 3) + packet.explanation)
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def connection_lines(conn: Connection, colour: bool = False) -> list[str]:
    head = f"connection {conn.id}: {conn.flow.text()} ({conn.client} -> {conn.server})"
    out = [paint(head, "head", colour), ""]
    out += ["  " + line if line else "" for line in render_diagram(conn, colour)]
    out.append("")
    for step in conn.request.steps:
        where = f"{step.machine} nat {step.hook}"
        rule = f": {step.rule}" if step.rule else ""
        out.append(f"  {paint(f'NAT ({step.target})', 'nat', colour)} at {where}{rule}")
    out.append(f"  request: {_route(conn.request.legs)}, {_fate(conn.request.fate, colour)}"
               f" (packet {conn.request.packet})")
    if conn.reply is not None:
        out.append(f"  reply:   {_route(conn.reply.legs)}, {_fate(conn.reply.fate, colour)}"
                   f" (packet {conn.reply.packet})")
        if conn.reply.explanation:
            out.append(f"           {conn.reply.explanation}")
    elif conn.request.explanation:
        out.append(f"           {conn.request.explanation}")
    return out


def _route(legs: tuple) -> str:
    names: list[str] = []
    for leg in legs:
        for name in leg.machines:
            if not names or names[-1] != name:
                names.append(name)
    return " -> ".join(names)


def _fate(fate: str, colour: bool) -> str:
    style = "drop" if fate in ("dropped", "lost", "stolen", "queued") else "ok"
    return paint(fate, style, colour)


def packet_lines(packet: PacketView, level: int, colour: bool = False) -> list[str]:
    where = " -> ".join(_dedup([h.machine for h in packet.hops]))
    tags = []
    if packet.connection is not None:
        tags.append(f"connection {packet.connection} {packet.direction}")
    if packet.answers is not None:
        tags.append(f"answers packet {packet.answers}")
    tag = f" ({', '.join(tags)})" if tags else ""
    head = f"packet {packet.id}: {packet.summary}{tag}"
    out = [paint(head, "head", colour) if level else head]
    last = packet.hops[-1]
    fate = _fate(packet.fate, colour)
    device = f" ({last.device})" if last.device else ""
    out.append(f"  {where}: {fate} at {packet.where}{device}")
    for hop in packet.hops:
        out += hop_lines(hop, level, colour)
    if packet.explanation:
        out.append(f"  => {paint(packet.explanation, 'drop' if packet.fate == 'dropped' else None, colour)}")
    out.append("")
    return out


def _dedup(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out


def _changes(found: tuple[Change, ...]) -> str:
    return ", ".join(f"{c.field} {c.old} -> {c.new}" for c in found)


def hop_lines(hop: HopView, level: int, colour: bool = False) -> list[str]:
    origin = {"local": "sent by a local socket", "loopback": "back in through lo",
              "received": f"received on {hop.in_iface}"}.get(hop.origin, hop.origin)
    out = [f"  {paint(hop.machine, 'name', colour)} (t={hop.time:.6f}): {origin}"]
    for n, view in enumerate(hop.hooks):
        if n and hop.routing and n == 1:
            out.append(f"    routing: {_changes(hop.routing)}")
        out += hook_lines(view, level, colour)
    end = hop.fate + (f" through {hop.device}" if hop.device else "")
    out.append(f"    -> {_fate(end, colour) if hop.fate != 'forwarded' else end}")
    return out


def hook_lines(view: HookView, level: int, colour: bool = False) -> list[str]:
    where = []
    if view.in_iface:
        where.append(f"in {view.in_iface}")
    if view.out_iface:
        where.append(f"out {view.out_iface}")
    out = [f"    {view.hook}" + (f" ({', '.join(where)})" if where else "")
           + ("" if view.tables else ": no rules evaluated")]
    ct = _ct_line(view.ct_before, view.ct_after)
    if ct:
        out.append(f"      conntrack: {ct}")
    for walk in view.tables:
        out += walk_lines(walk, level, colour)
    if view.nat is not None:
        nat = view.nat
        by = f" by {nat.target}" if nat.target else " (null binding)"
        out.append(f"      NAT binding ({nat.manip}){by}: original {_tuple(nat.original)}, "
                   f"reply {_tuple(nat.reply)}")
    if view.changes:
        by = f" ({view.changed_by})" if view.changed_by else ""
        out.append(f"      rewrote {_changes(view.changes)}{by}")
    if view.mark_after != view.mark_before:
        out.append(f"      mark 0x{view.mark_before:x} -> 0x{view.mark_after:x}")
    if view.verdict not in ("ACCEPT", ""):
        out.append(f"      verdict: {paint(view.verdict, 'drop', colour)}")
    return out


def walk_lines(walk: TableWalk, level: int, colour: bool = False) -> list[str]:
    out = [f"      {walk.table} {walk.hook}:"]
    misses: list[RuleLine] = []

    def flush() -> None:
        if not misses:
            return
        if level >= 2:
            out.extend(f"        {m.chain} #{m.rulenum} no match: {m.text}" for m in misses)
        else:
            first, last = misses[0].rulenum, misses[-1].rulenum
            span = f"rule {first}" if first == last else f"rules {first}-{last}"
            out.append(f"        {misses[0].chain} {span}: no match")
        misses.clear()

    for line in walk.lines:
        if line.event == "miss":
            if misses and misses[-1].chain != line.chain:
                flush()
            misses.append(line)
            continue
        flush()
        out += _step_lines(line, colour)
    flush()
    if len(out) == 2 and walk.lines[-1].event == "policy":
        return [f"      {walk.table} {walk.hook}: policy {walk.lines[-1].verdict}"]
    return out


def _step_lines(line: RuleLine, colour: bool) -> list[str]:
    if line.event == "policy":
        style = "drop" if line.verdict == "DROP" else None
        return [f"        {line.chain} policy {paint(line.verdict, style, colour)}"]
    if line.event == "return":
        return [f"        end of {line.chain}: return"]
    if line.event == "target":
        style = "drop" if line.verdict == "DROP" else None
        return [f"          {line.target} -> {paint(line.verdict, style, colour)}"]
    if line.event in ("jump", "goto"):
        return [f"        {line.chain} #{line.rulenum} match: {line.text}",
                f"          {line.event} to {line.verdict}"]
    if line.event == "hotdrop":
        return [f"        {line.chain} #{line.rulenum}: cannot read the packet: DROP"]
    verdict = f" -> {line.verdict}" if line.verdict in ("ACCEPT", "DROP", "QUEUE", "RETURN") else ""
    style = "drop" if line.verdict == "DROP" else None
    return [f"        {line.chain} #{line.rulenum} match: {line.text}"
            + paint(verdict, style, colour)]


def _tuple(t: object) -> str:
    fields = getattr(t, "fields", None)
    return fields() if callable(fields) else str(t)


def _ct_line(before: CtSnap | None, after: CtSnap | None) -> str:
    if after is None or before == after:
        return ""
    parts = []
    if before is None or before.conn != after.conn:
        parts.append(after.state + (" (reply direction)" if after.reply else ""))
        if after.original is not None:
            fresh = "new " if "CONFIRMED" not in after.status else ""
            parts.append(f"{fresh}entry {after.conn}: {after.original.fields()}")
            if after.reply_tuple is not None:
                parts.append(f"reply {after.reply_tuple.fields()}")
    new = gained(before, after)
    if before is not None and before.state != after.state:
        parts.append(f"{before.state} -> {after.state}")
    old_tcp = before.tcp_state if before is not None else None
    if after.tcp_state and after.tcp_state != old_tcp:
        parts.append(f"tcp {old_tcp + ' -> ' if old_tcp else ''}{after.tcp_state}")
    if "CONFIRMED" in new:
        parts.append("confirmed (now in the table)")
    return ", ".join(parts)
