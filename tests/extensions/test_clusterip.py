"""-j CLUSTERIP: parsed and printed, then refused by a kernel without the module."""

import pytest

from helpers import Shell, parsed_target

FULL = "--new --hashmode sourceip --clustermac 01:AA:7B:47:F7:D7 --total-nodes 2 --local-node 1"
WARNING = "Warning: Extension CLUSTERIP revision 0 not supported, missing kernel module?"


@pytest.mark.parametrize(
    ("flavour", "status", "error"),
    [
        ("iptables", 4, "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (No such file or directory): rule in chain INPUT"),
        ("iptables-legacy", 1, "iptables: No chain/target/match by that name."),
    ],
)
def test_kernel_has_no_module(flavour: str, status: int, error: str) -> None:
    result = Shell()(f"{flavour} -A INPUT -d 10.31.3.236 -i lo -j CLUSTERIP {FULL} --hash-init 1")
    assert result.status == status
    assert result.err.splitlines() == [WARNING, error]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--new --hashmode foo", 'Unknown hashmode "foo"'),
        ("--new --hashmode sourceip --clustermac 00:AA:7B:47:F7:D7", "MAC has to be a multicast ethernet address"),
        ("--new --hashmode sourceip", "CLUSTERIP target: Invalid parameter combination"),
        ("--hashmode sourceip", "CLUSTERIP target: Invalid parameter combination"),
        (FULL.replace("--total-nodes 2", "--total-nodes 17"),
         'CLUSTERIP: bad value for option "--total-nodes", or out of range (0-16).'),
    ],
)
def test_parse_errors_follow_the_warning(options: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -j CLUSTERIP {options}")
    assert result.status == 2
    assert result.err.splitlines()[:2] == [WARNING, f"iptables v1.8.9 (nf_tables): {message}"]


def test_texts() -> None:
    ext, value = parsed_target(f"-j CLUSTERIP {FULL} --hash-init 7")
    from nflab.iptables.extension import Show
    from nflab.iptables.names import Names

    show = Show(True, Names())
    assert ext.save(value, show) == (
        " --new --hashmode sourceip --clustermac 01:AA:7B:47:F7:D7 --total-nodes 2 --local-node 1 --hash-init 7"
    )
    assert ext.print(value, show) == (
        " CLUSTERIP hashmode=sourceip clustermac=01:AA:7B:47:F7:D7 total_nodes=2 local_node=1 hash_init=7"
    )
    ext, bare = parsed_target("-j CLUSTERIP")
    assert (ext.save(bare, show), ext.print(bare, show)) == ("", " CLUSTERIP")
