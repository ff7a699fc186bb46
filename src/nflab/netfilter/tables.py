"""The tables of one network namespace: chains, rules, counters, policies.

A table is changed as a whole, the way libiptc and nf_tables do it: a
command edits a copy (:meth:`Table.clone`, chains copied on write) and the
copy replaces the original only when everything succeeded, so a failed
command leaves the table exactly as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..iptables.rule import Counters, Rule

_TABLE_SERIALS = itertools.count(1)

# Built-in chains per table, in hook order (what the kernel registers).
BUILTIN_CHAINS: dict[str, tuple[str, ...]] = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}

# iptables-nft-save prints tables in this fixed order.
NFT_TABLE_ORDER = ("mangle", "security", "raw", "filter", "nat")

# The hook priorities (``enum nf_ip_hook_priorities``): raw -300, conntrack
# -200, mangle -150, nat dst -100, filter 0, security 50, nat src 100.
TABLE_PRIORITY = {"raw": -300, "mangle": -150, "filter": 0, "security": 50}


@dataclass
class Chain:
    """A chain's rules with their counters; ``policy`` is None for a user chain."""

    name: str
    policy: str | None = None
    rules: list[Rule] = field(default_factory=list)
    counters: list[Counters] = field(default_factory=list)
    policy_counters: Counters = field(default_factory=Counters)
    # iptables-nft registers a base chain only when a command needs it: ``-A INPUT``
    # creates INPUT without a policy counter, ``-P`` (or a restore) with one, and
    # ``-X`` removes empty ACCEPT base chains again. Unregistered chains see no packets.
    hooked: bool = True
    counted: bool = True
    # nf_tables handles (iptables-nft): the chain's own and one per rule, drawn from the
    # table's generator when the kernel creates them (``nf_tables_alloc_handle``); a
    # replaced rule keeps its handle. Traces name rules by handle (``rule:0x7``).
    handle: int = field(default=0, compare=False)
    handles: list[int] = field(default_factory=list, compare=False)
    # when its hook was registered (the namespace's sequence, see Ruleset.replace): of two
    # hooks at the same priority the kernel runs the one registered last first
    registered: int = field(default=0, compare=False)
    # the engine's evaluation form of ``rules`` (see engine.compiled_rules); a live chain's
    # rules are never edited in place (commands edit clones), so it stays valid
    compiled: Any = field(default=None, compare=False, repr=False)

    @property
    def builtin(self) -> bool:
        return self.policy is not None

    def clone(self) -> Chain:
        return Chain(
            self.name, self.policy, list(self.rules), list(self.counters), self.policy_counters,
            self.hooked, self.counted, handle=self.handle, handles=list(self.handles),
            registered=self.registered,
        )

    def insert(self, index: int, rule: Rule, counters: Counters | None = None, handle: int = 0) -> None:
        self.rules.insert(index, rule)
        self.counters.insert(index, counters or Counters())
        self.handles.insert(index, handle)

    def append(self, rule: Rule, counters: Counters | None = None, handle: int = 0) -> None:
        self.rules.append(rule)
        self.counters.append(counters or Counters())
        self.handles.append(handle)

    def delete(self, index: int) -> None:
        del self.rules[index]
        del self.counters[index]
        del self.handles[index]

    def flush(self) -> None:
        self.rules = []
        self.counters = []
        self.handles = []

    def __len__(self) -> int:
        return len(self.rules)


@dataclass
class Table:
    """One table: built-in chains first (hook order), then user chains."""

    name: str
    chains: dict[str, Chain] = field(default_factory=dict)
    _cloned: set[str] = field(default_factory=set, repr=False)
    # the table's handle generator (``table->hgenerator``): chains and rules share it, and
    # it only grows, until the table itself is deleted (an iptables-nft-restore)
    last_handle: int = 0
    # which kernel table this is: a table deleted and made anew gets a new serial (its
    # chains' hooks are registered anew); edited copies keep it
    serial: int = field(default_factory=lambda: next(_TABLE_SERIALS), compare=False)

    @classmethod
    def fresh(cls, name: str, registered: bool = True) -> Table:
        """A table with its built-in chains; ``registered=False`` for iptables-nft, whose
        base chains exist in the kernel only once a command creates them."""
        table = cls(name)
        for chain in BUILTIN_CHAINS[name]:
            handle = table.new_handle() if registered else 0
            table.chains[chain] = Chain(chain, "ACCEPT", hooked=registered, counted=registered, handle=handle)
        return table

    def clone(self) -> Table:
        """A copy to edit; chains are copied when first written (:meth:`writable`)."""
        return Table(self.name, dict(self.chains), last_handle=self.last_handle, serial=self.serial)

    def new_handle(self) -> int:
        self.last_handle += 1
        return self.last_handle

    def register(self, name: str, counted: bool) -> Chain:
        """iptables-nft creates a base chain when a command needs it (a new handle); only
        ``-P`` and a restore's ``:CHAIN`` line give it a policy counter."""
        chain = self.writable(name)
        if not chain.hooked:
            chain.hooked = True
            chain.handle = self.new_handle()
        chain.counted = chain.counted or counted
        return chain

    def append_rule(self, chain: Chain, rule: Rule, counters: Counters | None = None) -> None:
        """Add a rule at the end of a writable chain of this table, with a new handle."""
        chain.append(rule, counters, self.new_handle())

    def insert_rule(self, chain: Chain, index: int, rule: Rule, counters: Counters | None = None) -> None:
        chain.insert(index, rule, counters, self.new_handle())

    def writable(self, name: str) -> Chain:
        if name not in self._cloned:
            self.chains[name] = self.chains[name].clone()
            self._cloned.add(name)
        return self.chains[name]

    def add_chain(self, name: str) -> Chain:
        chain = Chain(name, handle=self.new_handle())
        self.chains[name] = chain
        self._cloned.add(name)
        return chain

    def remove_chain(self, name: str) -> None:
        del self.chains[name]
        self._cloned.discard(name)

    def rename_chain(self, old: str, new: str) -> None:
        """Rename and make every jump follow the new name (as both backends do)."""
        from dataclasses import replace

        from ..iptables.rule import Jump

        chains: dict[str, Chain] = {}
        for key, chain in self.chains.items():
            if key == old:
                chain = chain.clone()
                chain.name = new
                key = new
            chains[key] = chain
        self.chains = chains
        self._cloned = {new if c == old else c for c in self._cloned}
        self._cloned.add(new)
        for name, chain in list(self.chains.items()):
            if any(r.jumps_to() == old for r in chain.rules):
                target = self.writable(name)
                target.rules = [
                    replace(r, target=Jump(new, r.target.goto)) if isinstance(r.target, Jump) and r.target.chain == old else r
                    for r in target.rules
                ]

    def builtin_chains(self) -> Iterator[Chain]:
        return (c for c in self.chains.values() if c.builtin)

    def user_chains(self) -> list[Chain]:
        """User chains sorted like libiptc and iptables-nft list them (strcmp order)."""
        return sorted((c for c in self.chains.values() if not c.builtin), key=lambda c: c.name.encode())

    def ordered_chains(self) -> list[Chain]:
        return [*self.builtin_chains(), *self.user_chains()]

    def references(self, name: str) -> int:
        return sum(1 for chain in self.chains.values() for r in chain.rules if r.jumps_to() == name)

    def hooks_reaching(self, name: str) -> frozenset[str]:
        """The built-in chains (hooks) from which ``name`` can be reached by jumps."""
        if name in self.chains and self.chains[name].builtin:
            return frozenset([name])
        callers: dict[str, set[str]] = {}
        for chain in self.chains.values():
            for r in chain.rules:
                j = r.jumps_to()
                if j is not None:
                    callers.setdefault(j, set()).add(chain.name)
        seen: set[str] = set()
        hooks: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            for caller in callers.get(current, ()):
                if caller in seen:
                    continue
                seen.add(caller)
                if self.chains[caller].builtin:
                    hooks.add(caller)
                else:
                    todo.append(caller)
        return frozenset(hooks)


@dataclass
class Ruleset:
    """All tables of one backend (nft or legacy) in one network namespace.

    ``order`` records table instantiation, newest first, which is the kernel
    list order iptables-legacy-save prints.
    """

    flavour: str = "nft"
    tables: dict[str, Table] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    generation: int = 0  # bumped at every commit: caches derived from the rules key on it
    # the namespace's hook registration sequence, shared by both backends (NetfilterState)
    hook_clock: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def get(self, name: str) -> Table | None:
        return self.tables.get(name)

    def rules(self) -> Iterator[Rule]:
        """Every rule of every table and chain."""
        for table in self.tables.values():
            for chain in table.chains.values():
                yield from chain.rules

    def view(self, name: str) -> Table:
        """The table to read: an absent table reads as a fresh one."""
        return self.tables.get(name) or Table.fresh(name, registered=self.flavour != "nft")

    def replace(self, table: Table) -> None:
        """Commit an edited table (``TC_COMMIT`` / the nft batch)."""
        table._cloned = set()
        self.generation += 1
        self._note_registrations(self.tables.get(table.name), table)
        if table.name not in self.tables:
            self.order.insert(0, table.name)
        self.tables[table.name] = table

    def _note_registrations(self, old: Table | None, new: Table) -> None:
        """Stamp the base chains whose hooks this commit registers (``nf_register_net_hook``).

        x_tables registers a table's hooks when the table is first used in the namespace
        and keeps them; nf_tables registers a base chain's hook when it creates the chain,
        which a restore's table deletion does again."""
        same_table = old is not None and (self.flavour != "nft" or old.serial == new.serial)
        for chain in new.chains.values():
            if not chain.builtin or not chain.hooked:
                continue
            before = old.chains.get(chain.name) if same_table and old is not None else None
            if before is not None and before.hooked:
                chain.registered = before.registered
            else:
                chain.registered = next(self.hook_clock)

    def drop(self, name: str) -> None:
        """Delete a table (iptables-nft-restore's table flush with nothing made anew)."""
        if self.tables.pop(name, None) is not None:
            self.order.remove(name)
            self.generation += 1

    def instantiate(self, name: str) -> None:
        """The legacy backend loads a table's module on first use, even to list it."""
        if name not in self.tables:
            self.replace(Table.fresh(name))

    def saved_table_names(self) -> list[str]:
        if self.flavour == "nft":
            return [t for t in NFT_TABLE_ORDER if t in self.tables]
        return list(self.order)
