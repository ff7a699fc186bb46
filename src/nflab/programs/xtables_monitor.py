"""``xtables-monitor`` (iptables 1.8.9, nf_tables): print the trace of packets that
``-j TRACE`` tagged, as the kernel reports them.

``--trace`` joins the namespace's NFNLGRP_NFTRACE group and prints each
message (:mod:`nflab.netfilter.nftrace`) the way ``trace_cb`` does: a
``PACKET:`` line when the message carries the packet, then ``TRACE:`` lines
naming table, chain, the rule's handle, the verdict and the rule itself (as
``iptables-save`` writes it, fetched by handle), or the policy. stdout is
flushed after every message, so a monitor writing to a file in the
background can be read while it runs. It runs until it is killed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..iptables.getopt import NO_ARG, GetoptLong, LongOpt
from ..iptables.names import Names
from ..iptables.output import save_rule
from ..lab.scheduler import Process, Signal
from ..netfilter.logformat import fragment_words
from ..netfilter.nftrace import (
    ARPHRD_ETHER,
    ARPHRD_LOOPBACK,
    NF_ACCEPT,
    NF_DROP,
    NF_QUEUE,
    NF_STOLEN,
    NFPROTO_IPV4,
    NFT_BREAK,
    NFT_CONTINUE,
    NFT_GOTO,
    NFT_JUMP,
    NftTrace,
    TracedPacket,
)
from ..netfilter.skb import Env
from ..packet.headers import TcpFlags
from .base import Io
from .system import NotSimulated, System

VERSION = "1.8.9"
PARAMETER_PROBLEM = 2
NFPROTO_IPV6 = 10

USAGE = (
    f"xtables-monitor {VERSION} (nf_tables)\n"
    "Usage: xtables-monitor [ -t | -e ]\n"
    "        --trace    -t    trace ruleset traversal of packets tagged via -j TRACE rule\n"
    "        --event    -e    show events that modify the ruleset\n"
    "Optional arguments:\n"
    "        --ipv4     -4    only monitor IPv4\n"
    "        --ipv6     -6    only monitor IPv6\n"
    "\t--counters -c    show counters in rules\n"
)

OPTIONS = (
    LongOpt("counters", NO_ARG, "c"),
    LongOpt("trace", NO_ARG, "t"),
    LongOpt("event", NO_ARG, "e"),
    LongOpt("ipv4", NO_ARG, "4"),
    LongOpt("ipv6", NO_ARG, "6"),
    LongOpt("version", NO_ARG, "V"),
    LongOpt("help", NO_ARG, "h"),
)

# the order ``trace_print_packet`` tests the TCP flags in
_TCP_FLAGS = (
    (TcpFlags.SYN, "SYN"), (TcpFlags.ACK, "ACK"), (TcpFlags.FIN, "FIN"),
    (TcpFlags.RST, "RST"), (TcpFlags.PSH, "PSH"), (TcpFlags.URG, "URG"),
)  # fmt: skip
_PORT_PROTOCOLS = (33, 132, 136, 17)  # dccp, sctp, udplite, udp: SPORT/DPORT only
_VERDICT_NAMES = {
    NF_ACCEPT: "ACCEPT", NF_DROP: "DROP", NF_QUEUE: "QUEUE", NF_STOLEN: "STOLEN",
    NFT_BREAK: "BREAK", NFT_CONTINUE: "CONTINUE",
}  # fmt: skip


def xtables_monitor_main(argv: Sequence[str], io: Io, system: System) -> int:
    trace = events = counters = False
    family = 0
    cursor = GetoptLong(argv, "ceht46V")
    while (found := cursor.next(OPTIONS)) is not None:
        code = found.code
        if code == "c":
            counters = True
        elif code == "t":
            trace = True
        elif code == "e":
            events = True
        elif code == "h":
            io.out(USAGE)  # print_usage exits with EXIT_FAILURE before exit(0)
            return 1
        elif code in ("4", "6"):
            family = NFPROTO_IPV4 if code == "4" else NFPROTO_IPV6
        elif code == "V":
            io.out(f"xtables-monitor {VERSION}\n")
            return 0
        else:  # opterr = 0: getopt itself says nothing
            io.err(f"xtables-monitor {VERSION}: Bad argument.\n")
            io.err("Try `xtables-monitor -h' for more information.\n")
            return PARAMETER_PROBLEM
    if not trace and not events:
        io.out(USAGE)
        return 1
    if events:
        raise NotSimulated("xtables-monitor --event")
    ns = getattr(system, "ns", None)
    process = getattr(system, "process", None)
    if ns is None or process is None:
        raise NotSimulated("xtables-monitor outside a lab machine")
    return _monitor(ns.netns.env, process, io, system.names, family, counters)


def _monitor(env: Env, process: Process, io: Io, names: Names, family: int, counters: bool) -> int:
    """Listen until killed, printing each trace message as it comes."""

    def listener(event: NftTrace) -> None:
        if family and family != event.family:
            return
        io.out("".join(trace_lines(event, names, counters)))
        io.flush()  # trace_cb ends with fflush(stdout)

    env.nftrace_listeners.append(listener)
    never = Signal(process.scheduler)
    try:
        while True:
            process.wait([never])
    finally:
        env.nftrace_listeners.remove(listener)
        io.flush()


def trace_lines(event: NftTrace, names: Names, counters: bool = False) -> list[str]:
    """What ``trace_cb`` prints for one message."""
    lines: list[str] = []
    head = f" TRACE: {event.family} {event.trace_id:08x} {event.table}:{event.chain}"
    if event.kind == "rule":
        if event.packet is not None:
            lines.append(packet_line(event.family, event.trace_id, event.packet))
        if event.handle is not None:
            lines.append(
                f"{head}:rule:0x{event.handle:x}:{verdict_text(event)}  "
                f"{rule_text(event, names, counters)}\n"
            )
    elif event.kind == "policy":
        lines.append(f"{head}:policy:{verdict_text(event)} \n")
    return lines


def verdict_text(event: NftTrace) -> str:
    """``print_verdict`` (without its trailing space)."""
    code = event.verdict
    if code in (NFT_JUMP, NFT_GOTO):
        name = "JUMP" if code == NFT_JUMP else "GOTO"
        return f"{name}:{event.jump_target}" if event.jump_target else name
    return _VERDICT_NAMES.get(code, f"0x{code:x}")


def rule_text(event: NftTrace, names: Names, counters: bool) -> str:
    """``rule_cb`` for the rule fetched by handle: ``-4 -t TABLE -A CHAIN ...``."""
    rule = event.rule
    if rule is None:  # pragma: no cover - a handle always names a rule
        return ""
    shown = ""
    if counters and event.counters is not None:
        shown = f"[{event.counters[0]}:{event.counters[1]}] "
    return f"-4 -t {event.table} {shown}-A {event.chain}{save_rule(rule, names)}"


def packet_line(family: int, trace_id: int, traced: TracedPacket) -> str:
    """``trace_print_packet``."""
    out = [f"PACKET: {family} {trace_id:08x} "]
    if traced.in_iface:
        out.append(f"IN={traced.in_iface} ")
    if traced.out_iface:
        out.append(f"OUT={traced.out_iface} ")
    mac = traced.mac_header
    if traced.link == ARPHRD_ETHER:
        if len(mac) >= 14:
            proto = int.from_bytes(mac[12:14], "big")
            out.append(f"MACSRC={_ether_ntoa(mac[6:12])} MACDST={_ether_ntoa(mac[0:6])} MACPROTO={proto:04x} ")
    elif traced.link == ARPHRD_LOOPBACK:
        out.append("LOOPBACK ")
    elif traced.link is not None:
        out.append(f"LL=0x{traced.link:x} {_signed_hex(mac, '02x')} ")
    packet = traced.packet
    ip = packet.ip
    out.append(f"SRC={ip.src} DST={ip.dst} ")
    out.append(f"LEN={packet.length} TOS=0x{ip.tos:x} TTL={ip.ttl} ID={ip.ident} ")
    out.append(fragment_words(ip))
    if ip.options:
        out.append(f"OPT ({_signed_hex(ip.options, '02X')}) ")
    out.append(_transport(traced))
    if traced.mark:
        out.append(f"MARK=0x{traced.mark:x} ")
    return "".join(out) + "\n"


def _transport(traced: TracedPacket) -> str:
    packet = traced.packet
    proto = packet.ip.proto
    tcp, udp = packet.tcp, packet.udp
    if tcp is not None:
        flags = "".join(f"{name} " for bit, name in _TCP_FLAGS if tcp.flags & bit)
        return f"SPORT={tcp.sport} DPORT={tcp.dport} {flags}"
    if udp is not None:
        return f"SPORT={udp.sport} DPORT={udp.dport} "
    raw = packet.payload if packet.l4 is None else b""
    if proto in _PORT_PROTOCOLS and len(raw) >= 4 or proto == 6 and len(raw) >= 20:
        # the transport header's first bytes as the kernel copied them (sctp, dccp, ...)
        sport, dport = int.from_bytes(raw[0:2], "big"), int.from_bytes(raw[2:4], "big")
        text = f"SPORT={sport} DPORT={dport} "
        if proto == 6:
            text += "".join(f"{name} " for bit, name in _TCP_FLAGS if raw[13] & bit)
        return text
    return ""


def _signed_hex(data: bytes, spec: str) -> str:
    """``printf("%02x", p[i])`` over a (signed) ``char *``: 0x94 prints as ffffff94."""
    return "".join(format(b if b < 0x80 else b | 0xFFFFFF00, spec) for b in data)


def _ether_ntoa(octets: bytes) -> str:
    """glibc's ``ether_ntoa``: no leading zeros."""
    return ":".join(f"{b:x}" for b in octets)
