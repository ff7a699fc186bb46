"""Which chain jumps to which: the graph the kernel walks for hooks and loops.

Both kernels only care about what a hook can reach: a rule in a user chain is
checked against the hooks of the built-in chains that jump (directly or not)
to it, and a loop is refused only once a hook can reach it (an unreachable
``A -> B -> A`` is accepted by nf_tables and x_tables alike).

:class:`JumpGraph` keeps the edges of one table so that a restore, which adds
rules one by one, does not rescan the whole table for every rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..iptables.rule import Jump
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

    def callees(self, name: str) -> Iterable[str]:
        return self._edges().get(name, {}).keys()

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

    def hooks_by_chain(self) -> dict[str, frozenset[str]]:
        """Every chain's hooks at once (what a whole-table replace checks against)."""
        reach: dict[str, set[str]] = {name: set() for name in self.table.chains}
        for chain in self.table.builtin_chains():
            for name in self.closure(chain.name):
                if name in reach:
                    reach[name].add(chain.name)
        return {
            name: (frozenset((name,)) if self.table.chains[name].builtin else frozenset(hooks))
            for name, hooks in reach.items()
        }

    def loop_from_hooks(self) -> bool:
        """``mark_source_chains``: does any hook reach a loop?"""
        return any(self.has_loop_from(chain.name) for chain in self.table.builtin_chains())
