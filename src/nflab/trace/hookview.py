"""One hook pass as the report shows it: table walks, the deciding rule, NAT, rewrites."""

from __future__ import annotations

from ..iptables.names import Names
from ..iptables.output import save_rule
from ..iptables.rule import Jump, Rule
from ..netfilter.engine import Step
from .flows import changes, flow_of
from .model import CtSnap, HookPass
from .report import HookView, NatMade, RuleLine, TableWalk

_DST_HOOKS = ("PREROUTING", "OUTPUT")
_names: Names | None = None
_texts: dict[int, tuple[Rule, str, str]] = {}  # id(rule) -> (rule, chain, text)


def rule_text(chain: str, rule: Rule | None) -> str:
    """``-A CHAIN ...`` as iptables -S prints the rule (cached per rule object)."""
    global _names
    if rule is None:
        return ""
    known = _texts.get(id(rule))
    if known is not None and known[0] is rule and known[1] == chain:
        return known[2]
    if _names is None:
        _names = Names()
    text = f"-A {chain}{save_rule(rule, _names)}"
    if len(_texts) > 100_000:
        _texts.clear()
    _texts[id(rule)] = (rule, chain, text)
    return text


def rule_line(step: Step) -> RuleLine:
    rule = step.rule
    target = rule.target_name() if rule is not None else ""
    text = rule_text(step.chain, rule)
    kind = step.kind
    if kind == "rule":
        event = "match"
        if rule is not None and isinstance(rule.target, Jump):
            event = "goto" if rule.target.goto else "jump"
        return RuleLine(step.table, step.chain, step.rulenum, event, step.verdict, text, target)
    if kind == "policy":
        return RuleLine(step.table, step.chain, 0, "policy", step.verdict)
    if kind == "return":
        return RuleLine(step.table, step.chain, step.rulenum, "return")
    return RuleLine(step.table, step.chain, step.rulenum, kind, step.verdict, text, target)


def _decides(line: RuleLine) -> bool:
    """Does this step end the table's walk (a verdict other than "go on")?"""
    if line.event in ("policy", "hotdrop"):
        return True
    if line.event == "target":
        return line.verdict not in ("CONTINUE", "RETURN")
    return line.event == "match" and line.verdict in ("ACCEPT", "DROP", "QUEUE")


def table_walks(hook: str, steps: list[Step]) -> tuple[TableWalk, ...]:
    """The steps cut into one walk per table (consecutive steps of the same table)."""
    walks: list[TableWalk] = []
    current: list[RuleLine] = []

    def close() -> None:
        if not current:
            return
        decided = next((line for line in reversed(current) if _decides(line)), None)
        verdict = "ACCEPT"
        if decided is not None:
            verdict = decided.verdict if decided.event != "hotdrop" else "DROP"
        walks.append(TableWalk(current[0].table, hook, tuple(current), verdict, decided))

    for step in steps:
        line = rule_line(step)
        if current and current[0].table != line.table:
            close()
            current = []
        current.append(line)
    close()
    return tuple(walks)


def gained(before: CtSnap | None, after: CtSnap | None) -> set[str]:
    """The status bits this pass set. A packet that meets conntrack in this pass either
    made a new entry (nothing set before) or joined a confirmed one (nothing new)."""
    if after is None:
        return set()
    if before is None or before.conn != after.conn:
        return set() if "CONFIRMED" in after.status else set(after.status)
    return set(after.status) - set(before.status)


def nat_made(hook_pass: HookPass, walks: tuple[TableWalk, ...]) -> NatMade | None:
    """The binding of this pass: shown when a rule made it, or when it moved a port."""
    after = hook_pass.ct_after
    before = hook_pass.ct_before
    if after is None or not gained(before, after) & {"SRC_NAT_DONE", "DST_NAT_DONE"}:
        return None
    assert after.original is not None and after.reply_tuple is not None
    manip = "destination" if hook_pass.hook in _DST_HOOKS else "source"
    line = None
    for walk in walks:
        decided = walk.decided_by
        if walk.table == "nat" and decided is not None and decided.event == "target":
            line = decided
    old_reply = before.reply_tuple if before is not None else after.original.reply()
    changed = after.reply_tuple != old_reply
    if line is None and not changed:
        return None  # a null binding that changed nothing: nothing to tell
    target = line.target if line is not None else ""
    text = line.text if line is not None else ""
    return NatMade(manip, target, text, after.original, after.reply_tuple)


def _rewriters(walks: tuple[TableWalk, ...]) -> str:
    """The rules whose targets ran in this pass and may have rewritten the packet."""
    names = []
    for walk in walks:
        for line in walk.lines:
            if line.event == "target" and line.target not in ("LOG", "NFLOG", "TRACE", "MARK",
                                                               "CONNMARK", "ACCEPT", "RETURN"):
                names.append(f"{walk.table} {line.chain} rule {line.rulenum} ({line.target})")
    return ", ".join(names)


def hook_view(hook_pass: HookPass) -> HookView:
    walks = table_walks(hook_pass.hook, hook_pass.steps)
    after = hook_pass.after if hook_pass.after is not None else hook_pass.before
    found = tuple(changes(hook_pass.before, after))
    nat = nat_made(hook_pass, walks)
    changed_by = ""
    if found:
        if nat is not None and nat.target:
            changed_by = f"{nat.target}, nat {hook_pass.hook}"
        elif flow_of(hook_pass.before) != flow_of(after) and hook_pass.ct_after is not None:
            changed_by = "conntrack, from the connection's NAT binding"
        else:
            changed_by = _rewriters(walks)
    return HookView(
        hook_pass.hook, hook_pass.in_iface, hook_pass.out_iface, walks, hook_pass.verdict,
        hook_pass.ct_before, hook_pass.ct_after, nat, found, changed_by,
        hook_pass.mark_before, hook_pass.mark_after,
    )

