"""Which chain jumps to which: what the kernels walk to find hooks and loops.

A rule is checked against the hooks that reach it, and a loop is refused only
once a hook reaches it (an unreachable ``A -> B -> A`` is accepted by
nf_tables and x_tables alike). The two kernels differ in what "reach" means:

* nf_tables validates every rule of a chain with the hooks of the built-in
  chains that jump (directly or not) to that chain: :class:`JumpGraph`, kept
  up to date while a restore adds rules one by one, so that it never rescans
  the whole table per rule;
* x_tables walks each hook's rules in order (``mark_source_chains``) and stops
  at an unconditional verdict, so a rule after ``-j ACCEPT`` is checked with
  no hook at all: :func:`source_marks`.
"""

from __future__ import annotations

from ..iptables.rule import Jump, Rule, Verdict
from .tables import Table


class JumpGraph:
    """The jump edges of one table (a multigraph: one edge per jumping rule)."""

    def __init__(self, table: Table):
        self.table = table
        self._out: dict[str, dict[str, int]] | None = None  # caller -> callee -> rules
        self._in: dict[str, dict[str, int]] = {}  # callee -> caller -> rules
        self._hooks: dict[str, frozenset[str]] = {}

    # -- keeping it current -----------------------------------------------------

    def invalidate(self) -> None:
        """Forget everything: the table changed in a way the graph was not told about."""
        self._out = None
        self._in = {}
        self._hooks = {}

    def _edges(self) -> dict[str, dict[str, int]]:
        if self._out is None:
            self._out = {}
            self._in = {}
            for chain in self.table.chains.values():
                for rule in chain.rules:
                    target = rule.target
                    if isinstance(target, Jump):
                        self._link(chain.name, target.chain)
        return self._out

    def _link(self, caller: str, callee: str) -> None:
        assert self._out is not None
        out = self._out.setdefault(caller, {})
        out[callee] = out.get(callee, 0) + 1
        into = self._in.setdefault(callee, {})
        into[caller] = into.get(caller, 0) + 1

    def add(self, caller: str, callee: str) -> None:
        """A rule in ``caller`` now jumps to ``callee``."""
        if self._out is None:
            return  # rebuilt from the table when next needed
        self._link(caller, callee)
        self._hooks = {}

    # -- questions ----------------------------------------------------------------

    def hooks_reaching(self, name: str) -> frozenset[str]:
        """The built-in chains from which ``name`` is reached (itself when built-in)."""
        found = self._hooks.get(name)
        if found is not None:
            return found
        chains = self.table.chains
        chain = chains.get(name)
        if chain is not None and chain.builtin:
            found = frozenset((name,))
        else:
            self._edges()
            hooks: set[str] = set()
            seen = {name}
            todo = [name]
            while todo:
                for caller in self._in.get(todo.pop(), {}):
                    if caller in seen:
                        continue
                    seen.add(caller)
                    if chains[caller].builtin:
                        hooks.add(caller)
                    else:
                        todo.append(caller)
            found = frozenset(hooks)
        self._hooks[name] = found
        return found

    def closure(self, start: str) -> set[str]:
        """The chains reachable from ``start`` by jumps, ``start`` included."""
        edges = self._edges()
        seen = {start}
        todo = [start]
        while todo:
            for callee in edges.get(todo.pop(), {}):
                if callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
        return seen

    def has_loop_from(self, start: str, extra: tuple[str, str] | None = None) -> bool:
        """Whether a loop is reachable from ``start`` (with the ``extra`` edge added)."""
        edges = self._edges()
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done

        def successors(name: str) -> list[str]:
            nxt = list(edges.get(name, {}))
            if extra is not None and extra[0] == name:
                nxt.append(extra[1])
            return nxt

        stack: list[tuple[str, list[str]]] = [(start, successors(start))]
        state[start] = 1
        while stack:
            name, pending = stack[-1]
            if not pending:
                state[name] = 2
                stack.pop()
                continue
            nxt = pending.pop()
            mark = state.get(nxt)
            if mark == 1:
                return True
            if mark is None:
                state[nxt] = 1
                stack.append((nxt, successors(nxt)))
        return False

    def loop_if_added(self, caller: str, callee: str) -> bool:
        """Would a jump ``caller -> callee`` close a loop that a hook can reach?"""
        if caller not in self.table.chains:
            return False
        reachable = self.table.chains[caller].builtin or bool(self.hooks_reaching(caller))
        if not reachable:
            return False
        return caller == callee or self.has_loop_from(callee, extra=(caller, callee))


def _unconditional_verdict(rule: Rule) -> bool:
    """``unconditional()`` with a standard verdict: the walk returns from here."""
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


class Loop(Exception):
    """``mark_source_chains`` met an entry already on its path (ELOOP)."""


def source_marks(table: Table) -> dict[str, dict[str, int]]:
    """x_tables ``mark_source_chains``: per chain, per hook whose walk reaches it, how many
    of its rules (from the first) the walk reaches.

    The walk from each hook follows the rules in order, chases jumps and gotos,
    and returns to the caller at the end of a chain, at an unconditional
    verdict (``-j ACCEPT`` with nothing to match) and at a rule it already
    walked from that hook. So a chain is walked once per hook, and always the
    same way: up to its first unconditional verdict (:func:`_walked`). Rules
    a walk never reaches are checked with no hooks at all; a jump back into a
    chain still being walked is a loop (:class:`Loop`).
    """
    walked: dict[str, tuple[int, list[str]]] = {}
    reach: dict[str, dict[str, int]] = {}
    for hook in table.builtin_chains():
        done: set[str] = set()  # walked from this hook, and returned from
        on_path = {hook.name}
        # frames: the chain being walked and the jumps of it still to follow
        count, jumps = walked.get(hook.name) or _walked(table, hook.name, walked)
        reach.setdefault(hook.name, {})[hook.name] = count
        frames: list[tuple[str, list[str]]] = [(hook.name, list(reversed(jumps)))]
        while frames:
            name, pending = frames[-1]
            if not pending:
                frames.pop()
                on_path.discard(name)
                done.add(name)
                continue
            callee = pending.pop()
            if callee in on_path:
                raise Loop()
            if callee in done:
                continue
            count, jumps = walked.get(callee) or _walked(table, callee, walked)
            if count == 0:
                done.add(callee)  # an empty chain: nothing to walk, nothing on the path
                continue
            reach.setdefault(callee, {})[hook.name] = count
            on_path.add(callee)
            frames.append((callee, list(reversed(jumps))))
    return reach


def _walked(
    table: Table, name: str, walked: dict[str, tuple[int, list[str]]]
) -> tuple[int, list[str]]:
    """How many rules of a chain a walk goes through, and the chains they jump to in order."""
    rules = table.chains[name].rules
    count = len(rules)
    jumps: list[str] = []
    chains = table.chains
    for i, rule in enumerate(rules):
        target = rule.target
        if isinstance(target, Jump):
            if target.chain in chains:
                jumps.append(target.chain)
        elif isinstance(target, Verdict) and _unconditional_verdict(rule):
            count = i + 1
            break
    walked[name] = (count, jumps)
    return count, jumps
