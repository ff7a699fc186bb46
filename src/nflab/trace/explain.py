"""Why a packet ended where it did, in words, naming the rule or the setting to change.

A rule's drop names the rule; a drop no rule made names the kernel's check
(a martian address, forwarding off, no route, the reverse path filter, the
TTL) and the sysctl or route that would let the packet through; a packet
delivered to a port nobody listens on names the RST or ICMP error the kernel
answered with.
"""

from __future__ import annotations

import re

from ..packet.headers import Packet
from .flows import summary
from .report import HookView, RuleLine

_RULE_DROP = re.compile(r"(raw|mangle|nat|filter|security) (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)")


def explain(
    machine: str,
    fate: str,
    reason: str,
    hooks: tuple[HookView, ...],
    packet: Packet,
    answer: Packet | None,
    received: bool,
) -> str:
    """The explanation of a hop's fate ("" when there is nothing to explain)."""
    note = _invalid_note(hooks)
    text = ""
    if fate == "dropped":
        text = _dropped(machine, reason, hooks, packet, answer)
    elif fate == "queued":
        text = f"queued by {_rule_of(hooks) or reason}: the program reading the queue decides"
    elif fate == "stolen":
        text = f"taken over by {_rule_of(hooks) or reason} (the target consumed the packet)"
    elif fate == "delivered" and answer is not None:
        text = _refused(machine, packet, answer)
    elif fate in ("sent", "forwarded", "bridged") and not received:
        text = (f"left {machine} through {reason}, and no machine of the lab received it "
                "(no cable there, the other end down, or no ARP answer for the next hop)")
    elif fate == "in flight":
        text = "still on its way when the trace ended"
    if note:
        text = f"{text}; {note}" if text else note
    return text


def _decided(hooks: tuple[HookView, ...]) -> tuple[str, RuleLine] | None:
    """The table and step that gave the last hook's verdict, when it was not ACCEPT."""
    if not hooks:
        return None
    last = hooks[-1]
    for walk in last.tables:
        if walk.verdict != "ACCEPT" and walk.decided_by is not None:
            return walk.table, walk.decided_by
    return None


def _rule_of(hooks: tuple[HookView, ...]) -> str:
    found = _decided(hooks)
    if found is None:
        return ""
    table, line = found
    return f"{table} {line.chain} rule {line.rulenum}: {line.text}"


def _dropped(machine: str, reason: str, hooks: tuple[HookView, ...], packet: Packet,
             answer: Packet | None) -> str:
    ip = packet.ip
    if _RULE_DROP.fullmatch(reason):
        found = _decided(hooks)
        if found is None:
            return f"dropped in {reason}"
        table, line = found
        if line.event == "policy":
            return (f"dropped by the policy {line.verdict} of {table} {line.chain} "
                    "(no rule accepted it first)")
        if line.event == "hotdrop":
            return (f"dropped by {table} {line.chain} rule {line.rulenum}: a match could not read "
                    "the packet's headers")
        text = f"{table} {line.chain} rule {line.rulenum}: {line.text}"
        if line.target == "REJECT":
            said = f", answered with {summary(answer)}" if answer is not None else ""
            return f"rejected by {text}{said}"
        return f"dropped by {text}"
    if reason.startswith("martian"):
        fix = ""
        if "route_localnet" not in reason:
            fix = " (no setting lets such an address in)"
        return f"{machine} drops a martian: {reason}{fix}"
    if reason.startswith("not for this host"):
        # the input device's forwarding switch (``IN_DEV_FORWARD``): ip_forward sets them all
        return (f"{ip.dst} is not an address of {machine}, and {machine} does not forward: "
                "sysctl -w net.ipv4.ip_forward=1")
    if reason.startswith("no route"):
        return f"{machine} has {reason}: add a route (ip route add {ip.dst} via GATEWAY)"
    if reason.startswith("reverse path filter"):
        return (f"{machine}'s {reason}: the route back to {ip.src} leaves through another "
                "interface; rp_filter=2 (loose) or 0 lets it in")
    if reason == "TTL exceeded":
        said = f", answered with {summary(answer)}" if answer is not None else ""
        return f"its TTL ran out at {machine} (ttl {ip.ttl}){said}"
    return f"dropped by {machine}: {reason}"


def _refused(machine: str, packet: Packet, answer: Packet) -> str:
    """A packet delivered, and answered at once by a reset or an ICMP error: no socket."""
    ip = packet.ip
    tcp = answer.tcp
    if tcp is not None and tcp.flags & 0x04 and packet.tcp is not None:
        return (f"nothing listens on {ip.dst}:{packet.tcp.dport} (tcp) at {machine}: "
                "the kernel answered with a RST")
    icmp = answer.icmp
    if icmp is not None and icmp.is_error:
        udp = packet.udp
        where = f"{ip.dst}:{udp.dport} (udp)" if udp is not None else f"protocol {ip.proto}"
        return f"nothing listens on {where} at {machine}: answered with {summary(answer)}"
    return ""


def _invalid_note(hooks: tuple[HookView, ...]) -> str:
    for view in hooks:
        ct = view.ct_after
        if ct is not None and ct.state == "INVALID":
            return ("conntrack found it INVALID (no connection it could belong to): "
                    "such packets are not NATed, and --state INVALID rules match them")
    return ""
