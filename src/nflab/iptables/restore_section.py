"""The Executor of one iptables-restore section: in place, with the kernel's checks
where each backend makes them.

A section's commands edit one working table in place (it was copied once, at
``*table``). iptables-nft has the kernel check each rule as its batch adds it,
and collects every refusal; iptables-legacy has the kernel check the whole
table when ``COMMIT`` replaces it (``translate_table``).
"""

from __future__ import annotations

from ..netfilter.jumps import JumpGraph, Loop, source_marks
from ..netfilter.tables import Ruleset, Table
from .commands import Executor, NftBatchError
from .errors import TableError, XtablesError
from .flavour import Flavour
from .names import Names
from .parse import Cmd, Command
from .rule import Counters, Jump, Rule

_RULE_APPEND = "RULE_APPEND"


class RuleRefused(Exception):
    """nft: the kernel refused this rule; the error is listed at ``COMMIT``."""


class _Workspace(Ruleset):
    """The one table a section builds, as the Executor sees a ruleset: edited in place."""

    def __init__(self, table: Table, flavour: str):
        super().__init__(flavour, {table.name: table}, [table.name])

    def view(self, name: str) -> Table:
        return self.tables[name]

    def replace(self, table: Table) -> None:
        """Nothing to do: the working copy was edited in place."""

    def instantiate(self, name: str) -> None:
        """The table was instantiated when its section began."""


class SectionExecutor(Executor):
    """The Executor of one section: commands edit the working table in place.

    What the kernel checks is left to the backend's moment: nft checks each
    rule as the batch adds it (the refusals are collected), legacy checks the
    whole table at ``COMMIT`` (:meth:`check_table`).
    """

    def __init__(self, table: Table, flavour: Flavour, names: Names):
        super().__init__(_Workspace(table, flavour.name), flavour, names)
        self.table = table
        self.graph = JumpGraph(table)
        self.line = 0
        self.refused: list[str] = []
        self.creates = False

    def _edit(self, name: str) -> Table:
        self._check_table_name(name)
        return self.table

    def _commit(self, table: Table, creates: bool = False) -> None:
        """Nothing to replace (edited in place): note whether iptables-nft would have made
        the table, which it does only for commands that add something."""
        self.creates = self.creates or creates

    def _kernel_rules(self, rules: list[Rule]) -> list[Rule]:
        """Read back already, as the restore built them at their line."""
        return rules

    def _table_for_read(self, name: str) -> Table:
        self._check_table_name(name)
        return self.table

    def execute(self, cmd: Command, line: int) -> list[str]:
        self.line = line
        try:
            return self.run(cmd).stdout
        finally:
            if cmd.command not in (Cmd.APPEND, Cmd.INSERT, Cmd.CHECK, Cmd.LIST, Cmd.LIST_RULES):
                self.graph.invalidate()

    def _validate(self, table: Table, chain: str, rule: Rule, op: str) -> None:
        target = rule.target
        if not self.flavour.is_nft:
            # libiptc at the line: the target must be a chain, and not a built-in one
            if isinstance(target, Jump):
                dest = table.chains.get(target.chain)
                if dest is None or dest.builtin:
                    self._check_jump(table, chain, target, op)
            return
        try:
            self._validate_nft(table, chain, rule, op)
        except NftBatchError as err:
            self.refused.append(f"\nline {self.line}: {err.message.lstrip()}")
            raise RuleRefused() from None
        if isinstance(target, Jump):
            self.graph.add(chain, target.chain)

    def _validate_nft(self, table: Table, chain: str, rule: Rule, op: str) -> None:
        """nf_tables adding one rule: jump target, loops a hook reaches, extension checks."""
        graph = self.graph
        target = rule.target
        if isinstance(target, Jump):
            dest = table.chains.get(target.chain)
            if dest is None or dest.builtin:
                self._check_jump(table, chain, target, op)
            if graph.loop_if_added(chain, target.chain):
                raise NftBatchError(op, "Too many links", f"rule in chain {chain}")
        hooks = graph.hooks_reaching(chain)
        self._check_extensions(table, chain, rule, op, hooks)
        if isinstance(target, Jump) and hooks:
            # the callee is now reached from more hooks (nft_chain_validate)
            for callee in graph.closure(target.chain):
                for r in table.chains[callee].rules:
                    self._check_extensions(table, callee, r, op, hooks, reported_chain=chain)

    def append_built(
        self, chain: str, rule: Rule, counters: Counters | None, checked: bool
    ) -> bool:
        """``-A CHAIN`` of a rule the restore built from a known line shape (restore_shapes.py),
        as :meth:`run` would append it; ``checked``: what :meth:`_validate` would check is
        known to pass. False when anything would go wrong: nothing is done, and the full
        path then says what."""
        table = self.table
        if chain not in table.chains or not (checked or self._passes(table, chain, rule)):
            return False
        self._append(table, chain, (rule,), counters, _RULE_APPEND, validated=True)
        self._commit(table, creates=True)
        return True

    def _passes(self, table: Table, chain: str, rule: Rule) -> bool:
        """:meth:`_validate` without a word: whether it would let the rule through."""
        target = rule.target
        if not self.flavour.is_nft:
            if isinstance(target, Jump):
                dest = table.chains.get(target.chain)
                return dest is not None and not dest.builtin
            return True
        try:
            self._validate_nft(table, chain, rule, _RULE_APPEND)
        except (XtablesError, TableError):
            return False
        if isinstance(target, Jump):
            self.graph.add(chain, target.chain)
        return True

    def check_table(self) -> bool:
        """x_tables ``translate_table``: no loop on a hook's walk, every rule's checkentry
        with the hooks whose walk reaches that very rule (``mark_source_chains``)."""
        try:
            reach = source_marks(self.table)
        except Loop:
            return False
        try:
            for chain in self.table.chains.values():
                rules = chain.rules
                # between two ends of walks, the rules are reached by the walks going further
                reached = reach.get(chain.name, {})
                start = 0
                for end in sorted({*reached.values(), len(rules)}):
                    hooks = frozenset(h for h, count in reached.items() if count >= end)
                    for rule in rules[start:end]:
                        self._check_extensions(self.table, chain.name, rule, "", hooks)
                    start = end
        except (TableError, XtablesError):
            return False
        return True


def set_policy(table: Table, chain: str, policy: str, count: Counters) -> None:
    """``iptc_set_policy`` / ``nft_chain_set``: ``-`` keeps the policy, counters are set."""
    if policy not in ("ACCEPT", "DROP", "-"):
        raise TableError("Bad policy name.")
    w = table.register(chain, counted=True)  # a named base chain exists, with its policy counter
    if policy != "-":
        w.policy = policy
    w.policy_counters = count


def restore_chain(executor: SectionExecutor, chain: str) -> None:
    """``nft_chain_restore``: create the user chain, or flush it when it exists."""
    table = executor.table
    if chain not in table.chains:
        table.add_chain(chain)
        return
    table.writable(chain).flush()
    executor.graph.invalidate()
