"""nf_tables rule tracing: the NFT_MSG_TRACE messages of ``nft_trace_notify``.

iptables-nft writes ``-j TRACE`` as ``meta nftrace set 1`` (allowed in every
table). From then on each nf_tables base chain the packet walks reports to
the namespace's NFNLGRP_NFTRACE listeners (``xtables-monitor --trace``). What
this kernel (6.x) sends during one walk (``nft_do_chain``), each time only if
``skb->nf_trace`` is set at that moment:

- a rule that matched and has no verdict: type RULE with the rule's handle and
  NFT_CONTINUE (so the rule that turns tracing on reports itself, and a trace
  can start in the middle of a chain);
- a rule with a verdict: type RULE, its handle, the verdict; an explicit
  ``return`` too, as ``__nft_trace_verdict`` switches on the masked verdict
  code and never reads NFT_RETURN as type RETURN;
- the end of a chain's rules: type RULE with no handle (the monitor prints no
  TRACE line for it, but it may carry the packet);
- the end of the base chain: type POLICY with the chain's policy.

The first message of a walk carries the packet (``info->packet_dumped``): the
devices, the link-layer header, the IP and transport headers as they are at
that moment; the mark goes with every message when it is not zero.

The id of a trace (``info->skbid``) is a keyed hash of the skb's address, its
flow hash and its input device: it stays the same through the hooks of one
pass (OUTPUT to POSTROUTING, PREROUTING to INPUT or POSTROUTING) and changes
when the packet comes back in on ``lo``. nflab hashes a per-namespace serial
number of the skb with the input device, which behaves the same.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

from ..iptables.rule import Jump, Rule, TargetEntry, Verdict
from ..packet.headers import Packet
from .engine import Step, Tracer
from .jhash import jhash_3words
from .skb import Env, Skb
from .tables import Table

NFPROTO_IPV4 = 2

# verdict codes as the kernel sends them (u32): ``enum nf_verdicts`` and nf_tables' own
NF_DROP, NF_ACCEPT, NF_STOLEN, NF_QUEUE = 0, 1, 2, 3
NFT_CONTINUE, NFT_BREAK, NFT_JUMP, NFT_GOTO, NFT_RETURN = (
    (code & 0xFFFFFFFF) for code in (-1, -2, -3, -4, -5)
)
_XT_VERDICTS = {
    "ACCEPT": NF_ACCEPT,
    "DROP": NF_DROP,
    "STOLEN": NF_STOLEN,
    "QUEUE": NF_QUEUE,
    "CONTINUE": NFT_CONTINUE,
    "RETURN": NFT_RETURN,
}

ARPHRD_ETHER, ARPHRD_LOOPBACK = 1, 772

_TRACE_KEY = 0x6E667472  # the namespace's siphash key stands in here: a fixed jhash seed


@dataclass(frozen=True, slots=True)
class TracedPacket:
    """The packet as ``nf_trace_fill_dev_info``/``nf_trace_fill_pkt_info`` describe it.

    ``link`` is the input device's ARPHRD type when the skb still has its
    link-layer header (``mac_header``), 0 when the hook has no input device
    (a bridged packet in POSTROUTING), None when there is no such header (a
    packet this host sends).
    """

    in_iface: str
    out_iface: str
    link: int | None
    mac_header: bytes
    packet: Packet
    mark: int


@dataclass(frozen=True, slots=True)
class NftTrace:
    """One NFT_MSG_TRACE message. ``kind`` is ``rule`` or ``policy``; ``handle`` is None
    for the end of a chain; ``verdict`` is the verdict code (the policy for ``policy``);
    ``rule`` is the rule the handle names (what the monitor fetches with GETRULE)."""

    trace_id: int
    kind: str
    table: str
    chain: str
    handle: int | None
    verdict: int
    jump_target: str | None = None
    rule: Rule | None = None
    packet: TracedPacket | None = None
    counters: tuple[int, int] | None = None  # the rule's packets and bytes (``--counters``)
    family: int = NFPROTO_IPV4


Listener = Callable[[NftTrace], None]


def trace_id(skb: Skb, env: Env) -> int:
    """``info->skbid`` of this skb as it is now (its serial number and input device)."""
    serial = skb.extra.get("nftrace.serial")
    if serial is None:
        serial = env.state.get("nftrace.serial", 0) + 1
        env.state["nftrace.serial"] = serial
        skb.extra["nftrace.serial"] = serial
    iif = zlib.crc32(skb.in_iface.encode()) if skb.in_iface else 0
    return jhash_3words(serial, iif, len(skb.in_iface), _TRACE_KEY)


def traced_packet(skb: Skb) -> TracedPacket:
    """What the first message of a walk carries about the packet."""
    link: int | None = None
    mac = b""
    if skb.in_iface == "lo":
        link, mac = ARPHRD_LOOPBACK, skb.mac_header or bytes(12) + b"\x08\x00"
    elif skb.mac_header:
        # the type is the input device's (``NFTA_TRACE_IIFTYPE``): none without one
        link, mac = (ARPHRD_ETHER if skb.in_iface else 0), skb.mac_header
    return TracedPacket(skb.in_iface, skb.out_iface, link, mac, skb.packet, skb.mark)


def _rule_verdict(rule: Rule) -> tuple[int, str | None] | None:
    """The verdict a matched rule ends with, known before any target runs; None for a
    rule whose target (an xt target) answers only when it runs."""
    target = rule.target
    if target is None:
        return NFT_CONTINUE, None
    if isinstance(target, Verdict):
        return _XT_VERDICTS[target.name], None
    if isinstance(target, Jump):
        return (NFT_GOTO if target.goto else NFT_JUMP), target.chain
    assert isinstance(target, TargetEntry)
    return None


_QUEUE_BYPASS = 0x8000  # NF_VERDICT_FLAG_QUEUE_BYPASS


def _target_verdict(answer: str, skb: Skb) -> int:
    """The code of what an xt target answered (``nft_target_eval``); NF_QUEUE carries the
    queue number and the bypass flag (measured: ``--queue-num 3`` traces as 0x30003)."""
    code = _XT_VERDICTS.get(answer, NFT_CONTINUE)
    if code == NF_QUEUE:
        code |= (skb.nfqueue or 0) << 16 | (_QUEUE_BYPASS if skb.nfqueue_bypass else 0)
    return code


class NftTraceWalk:
    """The tracer of one base-chain walk: turns engine steps into trace messages."""

    def __init__(self, table: Table, skb: Skb, env: Env, listeners: list[Listener],
                 inner: Tracer | None) -> None:
        self.table = table
        self.skb = skb
        self.env = env
        self.listeners = listeners
        self.inner = inner
        self.dumped = False  # ``info->packet_dumped``

    def __call__(self, step: Step) -> None:
        if self.skb.trace:
            self._translate(step)
        if self.inner is not None:
            self.inner(step)

    def _translate(self, step: Step) -> None:
        kind = step.kind
        if kind == "rule" and step.rule is not None:
            known = _rule_verdict(step.rule)
            if known is not None:
                self._rule_event(step, *known)
        elif kind == "target":
            self._rule_event(step, _target_verdict(step.verdict, self.skb), None)
        elif kind == "hotdrop":
            self._rule_event(step, NF_DROP, None)  # the xt match set NF_DROP in the verdict register
        elif kind == "return":
            self._send("rule", step.chain, None, NFT_CONTINUE, None, None)
        elif kind == "policy":
            self._send("rule", step.chain, None, NFT_CONTINUE, None, None)
            policy = NF_DROP if step.verdict == "DROP" else NF_ACCEPT
            self._send("policy", step.chain, None, policy, None, None)

    def _rule_event(self, step: Step, verdict: int, jump: str | None) -> None:
        chain = self.table.chains[step.chain]
        counted = chain.counters[step.rulenum - 1]
        self._send("rule", step.chain, chain.handles[step.rulenum - 1], verdict, jump, step.rule,
                   (counted.packets, counted.bytes))

    def _send(self, kind: str, chain: str, handle: int | None, verdict: int, jump: str | None,
              rule: Rule | None, counters: tuple[int, int] | None = None) -> None:
        packet = None
        if not self.dumped:
            packet = traced_packet(self.skb)
            self.dumped = True
        event = NftTrace(trace_id(self.skb, self.env), kind, self.table.name, chain, handle,
                         verdict, jump, rule, packet, counters)
        for listener in list(self.listeners):
            listener(event)
