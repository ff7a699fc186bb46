"""``-X`` of every chain, ``-L CHAIN N``, a missing chain listed, QUEUE under nf_tables.

The expected texts are those the real iptables 1.8.9 printed for the same
commands in a throwaway network namespace.
"""

from __future__ import annotations

import pytest

from helpers import Shell


def setup(sh: Shell, prog: str, *commands: str) -> None:
    for command in commands:
        sh.ok(f"{prog} {command}")


@pytest.mark.parametrize(
    ("commands", "nft", "legacy"),
    [
        (["-N A", "-A A -j ACCEPT", "-N B"], "chain A", "Directory not empty."),
        (["-N B", "-N C", "-A INPUT -j C"], "chain C", "Too many links."),
        (["-N A", "-N B", "-A A -j B"], "chain A", "Too many links."),  # libiptc: the last errno
        (["-N Z", "-A Z -j ACCEPT", "-N A"], "chain Z", "Directory not empty."),
    ],
)
def test_deleting_every_chain_is_all_or_nothing(commands: list[str], nft: str, legacy: str) -> None:
    for prog, expected, status in (
        ("iptables", f"iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): {nft}\n", 4),
        ("iptables-legacy", f"iptables: {legacy}\n", 1),
    ):
        sh = Shell()
        setup(sh, prog, *commands)
        before = sh.rules(flavour=prog)
        result = sh(f"{prog} -X")
        assert (result.status, result.err) == (status, expected)
        assert sh.rules(flavour=prog) == before


def test_deleting_every_chain_once_they_are_free() -> None:
    for prog in ("iptables", "iptables-legacy"):
        sh = Shell()
        setup(sh, prog, "-N A", "-N B", "-A A -j B", "-F")
        sh.ok(f"{prog} -X")
        assert not any(line.startswith("-N") for line in sh.rules(flavour=prog))


@pytest.mark.parametrize("prog", ["iptables", "iptables-legacy"])
def test_listing_one_rule_prints_no_header(prog: str) -> None:
    sh = Shell()
    setup(sh, prog, "-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -j DROP")
    assert sh.ok(f"{prog} -nL INPUT 2") == "DROP       0    --  0.0.0.0/0            0.0.0.0/0           \n"
    assert sh.ok(f"{prog} --line -nL INPUT 2").startswith("2    DROP ")
    assert sh.ok(f"{prog} -nL INPUT 5") == ""


@pytest.mark.parametrize("option", ["-L", "-S"])
def test_listing_a_missing_chain(option: str) -> None:
    sh = Shell()
    result = sh(f"iptables {option} NOSUCH")
    assert (result.status, result.err) == (
        1,
        "iptables v1.8.9 (nf_tables): chain `NOSUCH' in table `filter' is incompatible, use 'nft' tool.\n",
    )
    result = sh(f"iptables-legacy {option} NOSUCH")
    assert (result.status, result.err) == (1, "iptables: No chain/target/match by that name.\n")


def test_queue_is_refused_by_this_kernel_under_nf_tables_only() -> None:
    sh = Shell()
    result = sh("iptables -A INPUT -j QUEUE")
    assert (result.status, result.err) == (
        4,
        "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (No such file or directory): rule in chain INPUT\n",
    )
    sh.ok("iptables-legacy -A INPUT -j QUEUE")
    assert sh.rules(flavour="iptables-legacy")[-1] == "-A INPUT -j QUEUE"
