"""Rule evaluation: one table's built-in chain applied to one packet (``ipt_do_table``).

First match wins; a rule without a target only counts; ``-j CHAIN`` pushes a
return point, ``-g CHAIN`` does not; ``RETURN`` (or the end of a user chain)
pops; the end of a built-in chain applies its policy. Counters count packets
and IP total length, as the kernel does. Every step can be reported to a
tracer (the ``TRACE`` target and nflab's own traces build on it).

Evaluation is a pure function of (table, packet, conntrack state, clock): the
only state written is counters, the skb, and per-rule state in ``env``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..iptables.addresses import interface_matches
from ..iptables.extension import find_match, find_target
from ..iptables.rule import Jump, Rule, TargetEntry, Verdict
from .classify import MIN_RULES, ChainIndex, Key, packet_key
from .skb import Env, Skb, XtVerdict
from .tables import Chain, Table


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a traversal, for traces (what ``nf_trace`` would log, and more).

    ``kind``: "rule" (a rule matched; ``verdict`` is its target's name, "" for none),
    "miss" (a rule was evaluated and did not match), "target" (what a match-and-act
    target such as DNAT or LOG answered: ACCEPT, DROP, CONTINUE...), "return" (the end
    of a user chain), "policy" (the end of a built-in chain: ``verdict`` is the
    policy), "hotdrop" (a match could not read the packet). ``rule`` is the rule.
    """

    table: str
    chain: str
    kind: str
    rulenum: int = 0
    verdict: str = ""
    rule: Rule | None = None


Tracer = Callable[[Step], None]


def ip_header_matches(rule: Rule, skb: Skb) -> bool:
    """``ip_packet_match``: addresses under masks, interfaces, protocol, fragments."""
    ip = skb.packet.ip
    inv = rule.inv
    if rule.src.mask and ((int(ip.src) & rule.src.mask) == int(rule.src.addr)) == ("s" in inv):
        return False
    if not rule.src.mask and "s" in inv:
        return False
    if rule.dst.mask and ((int(ip.dst) & rule.dst.mask) == int(rule.dst.addr)) == ("d" in inv):
        return False
    if not rule.dst.mask and "d" in inv:
        return False
    if rule.iface_in and interface_matches(rule.iface_in, skb.in_iface) == ("i" in inv):
        return False
    if rule.iface_out and interface_matches(rule.iface_out, skb.out_iface) == ("o" in inv):
        return False
    if rule.proto and (ip.proto == rule.proto) == ("p" in inv):
        return False
    if rule.fragment and (ip.frag_offset != 0) == ("f" in inv):
        return False
    return True


# The evaluation form of a rule: the address tests inline (mask, network, inverted, for
# source and destination), the rest (interfaces, protocol, fragment, the match extensions
# looked up once) in a tuple, None when the rule tests nothing else. ``ip_packet_match``
# does the same tests; a mismatch is ``(addr & mask != net) != inverted``.
Rest = tuple[str, bool, str, bool, int, bool, bool, bool, tuple[tuple[Any, Any], ...]]
Compiled = tuple[int, int, bool, int, int, bool, Rest | None]


def _compile(rule: Rule) -> Compiled:
    inv = rule.inv
    rest: Rest | None = None
    if rule.iface_in or rule.iface_out or rule.proto or rule.fragment or rule.matches or inv - {"s", "d"}:
        matches = tuple((find_match(m.name), m.value) for m in rule.matches)
        rest = (rule.iface_in, "i" in inv, rule.iface_out, "o" in inv, rule.proto, "p" in inv,
                rule.fragment, "f" in inv, matches)
    src, dst = rule.src, rule.dst
    return (src.mask, int(src.addr), "s" in inv, dst.mask, int(dst.addr), "d" in inv, rest)


def compiled_rules(chain: Chain) -> list[Compiled]:
    """The chain's rules in evaluation form, built once per version of the chain."""
    cache = chain.compiled
    rules = chain.rules
    if cache is None or cache[0] is not rules or len(cache[1]) != len(rules):
        cache = chain.compiled = (rules, [_compile(rule) for rule in rules], [])
    compiled: list[Compiled] = cache[1]
    return compiled


def _chain_index(chain: Chain) -> ChainIndex:
    """The chain's classifier, built on first use (after :func:`compiled_rules`)."""
    built: list[ChainIndex] = chain.compiled[2]
    if not built:
        built.append(ChainIndex(chain.compiled[1]))
    return built[0]


def _rest_matches(rest: Rest, skb: Skb, env: Env) -> bool:
    iface_in, inv_in, iface_out, inv_out, proto, inv_proto, fragment, inv_frag, matches = rest
    if iface_in and interface_matches(iface_in, skb.in_iface) == inv_in:
        return False
    if iface_out and interface_matches(iface_out, skb.out_iface) == inv_out:
        return False
    ip = skb.packet.ip
    if proto and (ip.proto == proto) == inv_proto:
        return False
    if fragment and (ip.frag_offset != 0) == inv_frag:
        return False
    for ext, value in matches:  # (a plain loop: all() with a generator costs more per rule)
        if ext is None or not ext.matches(value, skb, env):
            break
    else:
        return True
    return False


def _next_match(table: Table, chain: Chain, index: int, skb: Skb, env: Env, tracer: Tracer | None) -> int:
    """The first rule from ``index`` on that matches the packet: its index, ``len`` when
    none does, -1 when a match could not read the packet (``acpar.hotdrop``)."""
    compiled = compiled_rules(chain)
    counters = chain.counters
    if tracer is None and len(compiled) - index >= MIN_RULES:
        key = packet_key(skb.packet)
        if key is not None:
            return _next_candidate(chain, compiled, index, key, skb, env)
    ip = skb.packet.ip
    src, dst = int(ip.src), int(ip.dst)
    for i in range(index, len(compiled)):
        smask, snet, sinv, dmask, dnet, dinv, rest = compiled[i]
        if ((src & smask) != snet) == sinv and ((dst & dmask) != dnet) == dinv:
            if rest is None:
                return i
            env.current_rule = counters[i]  # one object per rule slot: its state key
            if _rest_matches(rest, skb, env):
                return i
            if skb.hotdrop:
                if tracer:
                    tracer(Step(table.name, chain.name, "hotdrop", i + 1, "DROP", chain.rules[i]))
                return -1
        if tracer:
            tracer(Step(table.name, chain.name, "miss", i + 1, "", chain.rules[i]))
    return len(compiled)


def _count_policy(chain: Chain, length: int) -> None:
    if chain.counted:
        chain.policy_counters.add(length)


def _next_candidate(
    chain: Chain, compiled: list[Compiled], index: int, key: Key, skb: Skb, env: Env
) -> int:
    """:func:`_next_match` over the rules the chain's classifier lets through, in order."""
    bits = _chain_index(chain).candidates(key) >> index << index
    src, dst = key[0], key[1]
    counters = chain.counters
    while bits:
        low = bits & -bits
        bits ^= low
        i = low.bit_length() - 1
        smask, snet, sinv, dmask, dnet, dinv, rest = compiled[i]
        if ((src & smask) != snet) == sinv and ((dst & dmask) != dnet) == dinv:
            if rest is None:
                return i
            env.current_rule = counters[i]
            if _rest_matches(rest, skb, env):
                return i
            if skb.hotdrop:
                return -1
    return len(compiled)


def _return_to(table: Table, base: Chain, stack: list[tuple[str, int]]) -> tuple[Chain, int]:
    """Where a RETURN (or the end of a user chain) continues: the caller's next rule, or,
    with an empty jump stack (the built-in chain itself, or a chain entered by ``-g``), the
    built-in chain's end, i.e. its policy (``ipt_do_table``/``nft_do_chain`` underflow)."""
    if not stack:
        return base, len(base.rules)
    name, index = stack.pop()
    return table.chains[name], index


def run_chain(
    table: Table,
    chain_name: str,
    skb: Skb,
    env: Env,
    tracer: Tracer | None = None,
) -> XtVerdict:
    """Traverse a built-in chain; the verdict is ACCEPT, DROP, QUEUE or STOLEN."""
    length = skb.packet.length
    stack: list[tuple[str, int]] = []
    chain = base = table.chains[chain_name]
    index = 0
    while True:
        if index >= len(chain.rules):
            if chain.builtin:
                _count_policy(chain, length)
                if tracer:
                    tracer(Step(table.name, chain.name, "policy", 0, chain.policy or ""))
                return XtVerdict(chain.policy)
            if tracer:
                tracer(Step(table.name, chain.name, "return", index + 1))
            chain, index = _return_to(table, base, stack)
            continue
        index = _next_match(table, chain, index, skb, env, tracer)
        if index < 0:
            return XtVerdict.DROP
        if index >= len(chain.rules):
            continue
        rule = chain.rules[index]
        env.current_rule = chain.counters[index]
        chain.counters[index].add(length)
        target = rule.target
        if tracer:
            tracer(Step(table.name, chain.name, "rule", index + 1, rule.target_name(), rule))
        if target is None:
            index += 1
            continue
        if isinstance(target, Verdict):
            if target.name == "RETURN":
                chain, index = _return_to(table, base, stack)
                continue
            return XtVerdict(target.name)
        if isinstance(target, Jump):
            if not target.goto:
                stack.append((chain.name, index + 1))
            chain = table.chains[target.chain]
            index = 0
            continue
        assert isinstance(target, TargetEntry)
        ext = find_target(target.name)
        if ext is None:  # pragma: no cover - the parser only builds known targets
            raise LookupError(target.name)
        verdict = ext.target(target.value, skb, env)
        if tracer:
            tracer(Step(table.name, chain.name, "target", index + 1, verdict.value, rule))
        if verdict is XtVerdict.CONTINUE:
            index += 1
            continue
        if verdict is XtVerdict.RETURN:
            chain, index = _return_to(table, base, stack)
            continue
        return verdict

