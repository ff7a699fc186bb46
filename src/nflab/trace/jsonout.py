"""The report as JSON (schema ``nflab-trace/1``, documented in docs/trace-schema.md).

Every key is always present (null when it does not apply), so consumers need
no guessing; new keys may be added in later versions of the same schema,
none is removed or changes meaning without a new schema name.
"""

from __future__ import annotations

from typing import Any

from ..netfilter.conntrack import Tuple
from ..packet.headers import ICMP, TCP, UDP, Packet
from .flows import Change, Flow, proto_name, tcp_flag_names
from .model import CtSnap
from .report import (
    Connection,
    HookView,
    HopView,
    NatMade,
    PacketView,
    Path,
    Report,
    RuleLine,
    TableWalk,
)  # fmt: skip

SCHEMA = "nflab-trace/1"


def report_json(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "packets": [packet_json(p) for p in report.packets],
        "connections": [connection_json(c) for c in report.connections],
    }


def packet_fields(packet: Packet) -> dict[str, Any]:
    ip = packet.ip
    l4 = packet.l4
    out: dict[str, Any] = {
        "proto": proto_name(ip.proto), "src": str(ip.src), "dst": str(ip.dst),
        "sport": None, "dport": None, "tcp_flags": None, "icmp_type": None, "icmp_code": None,
        "icmp_id": None, "ttl": ip.ttl, "tos": ip.tos, "length": packet.length,
        "payload_length": len(packet.payload), "quoted": None,
    }  # fmt: skip
    if isinstance(l4, TCP | UDP):
        out["sport"], out["dport"] = l4.sport, l4.dport
    if isinstance(l4, TCP):
        out["tcp_flags"] = tcp_flag_names(l4.flags)
    if isinstance(l4, ICMP):
        out["icmp_type"], out["icmp_code"] = l4.type, l4.code
        if not l4.is_error:
            out["icmp_id"] = l4.ident
        elif l4.quoted is not None:
            out["quoted"] = packet_fields(l4.quoted)
    return out


def tuple_json(t: Tuple | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"proto": proto_name(t.proto), "src": str(t.src), "dst": str(t.dst),
            "sport": t.sport, "dport": t.dport}


def flow_json(flow: Flow) -> dict[str, Any]:
    return {"proto": proto_name(flow.proto), "src": str(flow.src), "sport": flow.sport,
            "dst": str(flow.dst), "dport": flow.dport}


def ct_json(ct: CtSnap | None) -> dict[str, Any] | None:
    if ct is None:
        return None
    return {"state": ct.state, "entry": ct.conn, "direction": "reply" if ct.reply else "original",
            "tcp_state": ct.tcp_state, "status": list(ct.status),
            "original": tuple_json(ct.original), "reply": tuple_json(ct.reply_tuple)}


def change_json(c: Change) -> dict[str, str]:
    return {"field": c.field, "from": c.old, "to": c.new}


def rule_json(line: RuleLine | None) -> dict[str, Any] | None:
    if line is None:
        return None
    return {"table": line.table, "chain": line.chain, "rule": line.rulenum or None,
            "event": line.event, "verdict": line.verdict or None, "target": line.target or None,
            "text": line.text or None}


def walk_json(walk: TableWalk) -> dict[str, Any]:
    return {"table": walk.table, "hook": walk.hook, "verdict": walk.verdict,
            "decided_by": rule_json(walk.decided_by), "steps": [rule_json(s) for s in walk.lines]}


def nat_json(nat: NatMade | None) -> dict[str, Any] | None:
    if nat is None:
        return None
    return {"manip": nat.manip, "target": nat.target or None, "rule": nat.rule or None,
            "original": tuple_json(nat.original), "reply": tuple_json(nat.reply)}


def hook_json(view: HookView) -> dict[str, Any]:
    return {
        "hook": view.hook, "in": view.in_iface or None, "out": view.out_iface or None,
        "verdict": view.verdict, "tables": [walk_json(w) for w in view.tables],
        "conntrack": {"before": ct_json(view.ct_before), "after": ct_json(view.ct_after)},
        "nat": nat_json(view.nat), "rewrites": [change_json(c) for c in view.changes],
        "rewritten_by": view.changed_by or None,
        "mark": {"before": view.mark_before, "after": view.mark_after},
    }  # fmt: skip


def hop_json(hop: HopView) -> dict[str, Any]:
    return {
        "hop": hop.hop, "machine": hop.machine, "time": round(hop.time, 6), "origin": hop.origin,
        "in": hop.in_iface or None, "hooks": [hook_json(v) for v in hop.hooks],
        "routing_rewrites": [change_json(c) for c in hop.routing], "fate": hop.fate,
        "device": hop.device or None, "explanation": hop.explanation or None,
    }  # fmt: skip


def packet_json(p: PacketView) -> dict[str, Any]:
    return {
        "id": p.id, "summary": p.summary, "packet": packet_fields(p.first),
        "hops": [hop_json(h) for h in p.hops], "fate": p.fate, "where": p.where,
        "explanation": p.explanation or None, "connection": p.connection,
        "direction": p.direction or None, "answers": p.answers,
    }  # fmt: skip


def path_json(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return {
        "packet": path.packet, "start": path.start, "end": path.end, "fate": path.fate,
        "explanation": path.explanation or None,
        "legs": [{"flow": flow_json(leg.flow), "machines": list(leg.machines)} for leg in path.legs],
        "nat_steps": [{"machine": s.machine, "hook": s.hook, "target": s.target,
                       "rule": s.rule or None, "changed": list(s.changed)} for s in path.steps],
    }  # fmt: skip


def connection_json(c: Connection) -> dict[str, Any]:
    return {"id": c.id, "flow": flow_json(c.flow), "client": c.client, "server": c.server,
            "request": path_json(c.request), "reply": path_json(c.reply),
            "packets": list(c.packets)}
