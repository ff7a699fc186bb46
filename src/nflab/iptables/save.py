"""The iptables-save text of one table (``do_output`` / ``__do_output`` of 1.8.9)."""

from __future__ import annotations

from ..netfilter.tables import Table
from .flavour import Flavour
from .names import Names
from .output import save_rule


def save_table(table: Table, flavour: Flavour, names: Names, when: str, counters: bool) -> list[str]:
    lines = [flavour.save_header(when), f"*{table.name}"]
    for chain in table.builtin_chains():
        c = chain.policy_counters
        lines.append(f":{chain.name} {chain.policy} [{c.packets}:{c.bytes}]")
    for chain in table.user_chains():
        lines.append(f":{chain.name} - [0:0]")
    for chain in table.ordered_chains():
        for rule, ctr in zip(chain.rules, chain.counters, strict=True):
            text = save_rule(rule, names, flavour=flavour.name)
            prefix = f"[{ctr.packets}:{ctr.bytes}] " if counters else ""
            lines.append(f"{prefix}-A {chain.name}{text}")
    lines.append("COMMIT")
    lines.append(f"# Completed on {when}")
    return lines
