"""The kernel log lines of a traced packet in x_tables (iptables-legacy's ``-j TRACE``).

Once ``skb->nf_trace`` is set (by ``-j TRACE`` in raw, or by nftables' ``meta
nftrace``: the same bit), ``ipt_do_table`` calls ``trace_packet`` for every
entry that matches, before its target runs; the TRACE rule itself is
therefore not logged. The line is ``nf_log_trace`` at level 4 with the
default flags (sequence numbers, TCP and IP options, the socket's owner)::

    TRACE: raw:PREROUTING:policy:2 IN=eth0 OUT= MAC=... SRC=10.0.0.1 ...

``get_chainname_rulenum`` counts entries from the chain's head: a rule is
``rule:N``; the end of a user chain ``return:N`` and of a built-in chain
``policy:N`` (N = rules + 1); and an *unconditional* rule with a standard
verdict (``-j ACCEPT`` and nothing to match) reads as ``policy`` (built-in
chain) or ``return`` (user chain) too, as the kernel cannot tell it from a
chain's tail. (iptables-nft reports traces over netlink instead, for
``xtables-monitor --trace``: not simulated.)
"""

from __future__ import annotations

from ..iptables.rule import Rule, Verdict
from .engine import Step, Tracer
from .logformat import context_of, format_log_line
from .skb import Env, Skb
from .tables import Table

TRACE_LEVEL = 4  # ``trace_loginfo``: LOG_WARNING
TRACE_FLAGS = 0x0F  # NF_LOG_DEFAULT_MASK: TCPSEQ | TCPOPT | IPOPT | UID


def _unconditional_standard(rule: Rule) -> bool:
    return (
        isinstance(rule.target, Verdict)
        and not rule.matches
        and rule.src.is_any
        and rule.dst.is_any
        and not rule.iface_in
        and not rule.iface_out
        and rule.proto == 0
        and not rule.fragment
        and not rule.inv
    )


def trace_comment(table: Table, step: Step) -> tuple[str, int] | None:
    """``(comment, rulenum)`` of a step as ``trace_packet`` names it, None when it logs none."""
    chain = table.chains.get(step.chain)
    if chain is None:
        return None
    if step.kind == "policy":
        return "policy", len(chain.rules) + 1
    if step.kind == "return":
        return "return", len(chain.rules) + 1
    if step.kind != "rule":
        return None
    if step.rule is not None and _unconditional_standard(step.rule):
        return ("policy" if chain.builtin else "return"), step.rulenum
    return "rule", step.rulenum


def trace_line(table: Table, step: Step, skb: Skb) -> str | None:
    found = trace_comment(table, step)
    if found is None:
        return None
    comment, number = found
    prefix = f"TRACE: {table.name}:{step.chain}:{comment}:{number} "
    return format_log_line(skb.packet, context_of(skb, prefix, TRACE_FLAGS))


def legacy_tracer(table: Table, skb: Skb, env: Env, inner: Tracer | None) -> Tracer:
    """A tracer for one x_tables walk: logs the steps of a traced packet, then passes them on."""

    def step(event: Step) -> None:
        if skb.trace:
            line = trace_line(table, event, skb)
            if line is not None:
                env.log(TRACE_LEVEL, line)
        if inner is not None:
            inner(event)

    return step
