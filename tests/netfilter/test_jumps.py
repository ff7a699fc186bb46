"""Hooks and loops as the two kernels find them (netfilter/jumps.py), and the
``iptables`` command using them. Expected behaviour probed on iptables 1.8.9."""

from __future__ import annotations

import pytest

from helpers import Shell
from nflab.iptables.names import Names
from nflab.iptables.parse import parse_command
from nflab.netfilter.jumps import JumpGraph, Loop, source_marks
from nflab.netfilter.tables import Table


def table_of(*lines: str) -> Table:
    """A filter table from ``-N``/``-A`` argument strings (no kernel checks involved)."""
    table = Table.fresh("filter")
    names = Names()
    for line in lines:
        cmd = parse_command(["iptables", *line.split()], names)
        assert cmd.chain is not None
        if line.startswith("-N"):
            table.add_chain(cmd.chain)
        else:
            for rule in cmd.rules:
                table.writable(cmd.chain).append(rule)
    return table


def test_hooks_reaching_a_user_chain() -> None:
    table = table_of("-N A", "-N B", "-N C", "-A INPUT -j A", "-A OUTPUT -j A", "-A A -j B")
    graph = JumpGraph(table)
    assert graph.hooks_reaching("B") == frozenset({"INPUT", "OUTPUT"})
    assert graph.hooks_reaching("C") == frozenset()
    assert graph.hooks_reaching("FORWARD") == frozenset({"FORWARD"})
    graph.add("FORWARD", "C")
    table.writable("FORWARD").append(table_of("-N C", "-A FORWARD -j C").chains["FORWARD"].rules[0])
    assert graph.hooks_reaching("C") == frozenset({"FORWARD"})


def test_a_loop_counts_once_a_hook_reaches_it() -> None:
    table = table_of("-N A", "-N B", "-A A -j B")
    graph = JumpGraph(table)
    assert not graph.loop_if_added("B", "A")  # nothing reaches A or B
    assert not graph.loop_if_added("A", "A")
    table.writable("B").append(table_of("-N A", "-N B", "-A B -j A").chains["B"].rules[0])
    graph.invalidate()
    assert graph.loop_if_added("INPUT", "A")


def test_the_legacy_walk_stops_at_an_unconditional_verdict() -> None:
    table = table_of("-N A", "-A INPUT -p tcp -j A", "-A INPUT -j ACCEPT", "-A INPUT -j A")
    reach = source_marks(table)
    assert reach["INPUT"] == {"INPUT": 2}  # its first two rules; not the third
    assert "A" not in reach  # an empty chain: nothing to reach
    looped = table_of("-N A", "-N B", "-A INPUT -j A", "-A A -j B", "-A B -j A")
    with pytest.raises(Loop):
        source_marks(looped)
    hidden = table_of(
        "-N A", "-N B", "-A INPUT -j ACCEPT", "-A INPUT -j A", "-A A -j B", "-A B -j A"
    )
    source_marks(hidden)  # the loop is behind -j ACCEPT: the walk never gets there


@pytest.mark.parametrize(
    ("flavour", "refusal"),
    [
        (
            "nft",
            "iptables-nft v1.8.9 (nf_tables):  RULE_APPEND failed (Too many links): rule in chain INPUT\n",
        ),
        ("legacy", "iptables: Too many levels of symbolic links.\n"),
    ],
)
def test_iptables_accepts_unreachable_loops(flavour: str, refusal: str) -> None:
    sh = Shell()
    for line in ("-N A", "-A A -j A", "-N B", "-A B -j A", "-A A -j B"):
        sh.ok(f"iptables-{flavour} {line}")
    result = sh(f"iptables-{flavour} -A INPUT -j B")
    assert (result.status, result.err) == (4 if flavour == "nft" else 1, refusal)
