"""The tables of one network namespace: chains, rules, counters, policies.

A table is changed as a whole, the way libiptc and nf_tables do it: a
command edits a copy (:meth:`Table.clone`, chains copied on write) and the
copy replaces the original only when everything succeeded, so a failed
command leaves the table exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..iptables.rule import Counters, Rule

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
    # the engine's evaluation form of ``rules`` (see engine.compiled_rules); a live chain's
    # rules are never edited in place (commands edit clones), so it stays valid
    compiled: Any = field(default=None, compare=False, repr=False)

    @property
    def builtin(self) -> bool:
        return self.policy is not None

    def clone(self) -> Chain:
        return Chain(
            self.name, self.policy, list(self.rules), list(self.counters), self.policy_counters,
            self.hooked, self.counted,
        )

    def insert(self, index: int, rule: Rule, counters: Counters | None = None) -> None:
        self.rules.insert(index, rule)
        self.counters.insert(index, counters or Counters())

    def append(self, rule: Rule, counters: Counters | None = None) -> None:
        self.rules.append(rule)
        self.counters.append(counters or Counters())

    def delete(self, index: int) -> None:
        del self.rules[index]
        del self.counters[index]

    def __len__(self) -> int:
        return len(self.rules)


@dataclass
class Table:
    """One table: built-in chains first (hook order), then user chains."""

    name: str
    chains: dict[str, Chain] = field(default_factory=dict)
    _cloned: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def fresh(cls, name: str, registered: bool = True) -> Table:
        """A table with its built-in chains; ``registered=False`` for iptables-nft, whose
        base chains exist in the kernel only once a command creates them."""
        table = cls(name)
        for chain in BUILTIN_CHAINS[name]:
            table.chains[chain] = Chain(chain, "ACCEPT", hooked=registered, counted=registered)
        return table

    def clone(self) -> Table:
        """A copy to edit; chains are copied when first written (:meth:`writable`)."""
        return Table(self.name, dict(self.chains))

    def writable(self, name: str) -> Chain:
        if name not in self._cloned:
            self.chains[name] = self.chains[name].clone()
            self._cloned.add(name)
        return self.chains[name]

    def add_chain(self, name: str) -> Chain:
        chain = Chain(name)
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

    def get(self, name: str) -> Table | None:
        return self.tables.get(name)

    def view(self, name: str) -> Table:
        """The table to read: an absent table reads as a fresh one."""
        return self.tables.get(name) or Table.fresh(name, registered=self.flavour != "nft")

    def replace(self, table: Table) -> None:
        """Commit an edited table (``TC_COMMIT`` / the nft batch)."""
        table._cloned = set()
        self.generation += 1
        if table.name not in self.tables:
            self.order.insert(0, table.name)
        self.tables[table.name] = table

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
