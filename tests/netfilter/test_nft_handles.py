"""nf_tables handles of iptables-nft chains and rules.

The expected handles are what ``nft -a list ruleset`` showed on the real
kernel (6.18, iptables 1.8.9) after the same commands in a fresh namespace:
one generator per table for chains and rules alike, never reused, a replaced
rule keeps its handle, and a restore deletes the table and numbers anew.
"""

from __future__ import annotations

from helpers import Shell


def handles(shell: Shell, table: str = "filter") -> dict[str, tuple[int, list[int]]]:
    """Each chain the kernel holds: its handle and its rules' handles."""
    found = shell.host.netfilter.nft.get(table)
    assert found is not None
    return {
        name: (chain.handle, list(chain.handles))
        for name, chain in found.chains.items()
        if chain.hooked
    }


def test_commands_draw_from_one_generator() -> None:
    sh = Shell()
    sh.ok("iptables -A FORWARD -j ACCEPT")
    sh.ok("iptables -A INPUT -j ACCEPT")
    assert handles(sh) == {"FORWARD": (1, [2]), "INPUT": (3, [4])}
    sh.ok("iptables -N x")
    sh.ok("iptables -A INPUT -j x")
    assert handles(sh) == {"FORWARD": (1, [2]), "INPUT": (3, [4, 6]), "x": (5, [])}
    sh.ok("iptables -I INPUT 1 -s 1.1.1.1")
    assert handles(sh)["INPUT"] == (3, [7, 4, 6])
    sh.ok("iptables -R INPUT 1 -s 2.2.2.2")  # the replaced rule keeps its handle
    assert handles(sh)["INPUT"] == (3, [7, 4, 6])
    sh.ok("iptables -F")
    sh.ok("iptables -A INPUT -s 3.3.3.3")  # handles are never reused
    assert handles(sh) == {"FORWARD": (1, []), "INPUT": (3, [8]), "x": (5, [])}
    sh.ok("iptables -X")  # also drops the empty ACCEPT base chain FORWARD
    sh.ok("iptables -N z")
    sh.ok("iptables -E z zz")  # a renamed chain keeps its handle
    assert handles(sh) == {"INPUT": (3, [8]), "zz": (9, [])}
    sh.ok("iptables -A FORWARD -j zz")  # the base chain comes back with a new handle
    assert handles(sh)["FORWARD"] == (10, [11])
    sh.ok("iptables -t mangle -P PREROUTING DROP")  # another table, its own generator
    assert handles(sh, "mangle") == {"PREROUTING": (1, [])}


def test_a_rule_per_address_each_with_a_handle() -> None:
    sh = Shell()
    sh.ok("iptables -A OUTPUT -s 1.1.1.1,2.2.2.2")
    assert handles(sh) == {"OUTPUT": (1, [2, 3])}


def test_restore_makes_the_table_anew_in_line_order() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j ACCEPT")
    sh.ok("iptables -N old")
    dump = (
        "*filter\n:web - [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -j web\n-A web -j ACCEPT\n"
        ":zz - [0:0]\n-A FORWARD -j zz\nCOMMIT\n"
    )
    sh.ok("iptables-restore", stdin=dump)
    assert handles(sh) == {
        "web": (1, [5]), "OUTPUT": (2, []), "INPUT": (3, [4]), "zz": (6, []), "FORWARD": (7, [8]),
    }  # fmt: skip
    # --noflush keeps the table: ":web -" flushes web, the new rule takes the next handle
    sh.ok("iptables-restore --noflush", stdin="*filter\n:web - [0:0]\n-A INPUT -j web\nCOMMIT\n")
    assert handles(sh)["web"] == (1, [])
    assert handles(sh)["INPUT"] == (3, [4, 9])


def test_commands_refused_before_the_kernel_take_no_handle() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j ACCEPT")
    assert sh("iptables -A INPUT -j nosuchchain").status != 0
    sh.ok("iptables -A INPUT -j DROP")
    assert handles(sh) == {"INPUT": (1, [2, 3])}


def test_a_refused_batch_still_draws_its_handles() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j ACCEPT")
    refused = sh("iptables -A INPUT -j DNAT --to-destination 1.2.3.4")  # no DNAT in filter
    assert refused.status == 4 and "RULE_APPEND failed (Invalid argument)" in refused.err
    sh.ok("iptables -A INPUT -j DROP")
    assert handles(sh) == {"INPUT": (1, [2, 4])}
