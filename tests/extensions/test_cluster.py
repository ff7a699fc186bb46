"""-m cluster: texts, checks and the kernel's jhash-based node choice."""

from ipaddress import IPv4Address

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.extensions.cluster import Cluster, cluster_node
from nflab.netfilter.skb import CtState, Env, Skb

RULE = "-t mangle -A PREROUTING -m cluster --cluster-total-nodes 2 {} --cluster-hash-seed 0xfeedcafe"


def test_local_node_is_saved_as_a_mask() -> None:
    sh = Shell()
    sh.ok("iptables " + RULE.format("! --cluster-local-node 2"))
    assert sh.rules("mangle")[-1] == (
        "-A PREROUTING -m cluster ! --cluster-local-nodemask 0x00000002"
        " --cluster-total-nodes 2 --cluster-hash-seed 0xfeedcafe"
    )
    assert sh.ok("iptables -t mangle -nL PREROUTING").splitlines()[-1].endswith(
        "cluster !node_mask=0x00000002 total_nodes=2 hash_seed=0xfeedcafe"
    )


def test_checks() -> None:
    sh = Shell()
    assert "`--cluster-local-node' must be <= `--cluster-total-nodes'" in sh(
        "iptables " + RULE.format("--cluster-local-node 3")
    ).err
    assert "too big for `--cluster-total-nodes'" in sh(
        "iptables " + RULE.format("--cluster-local-nodemask 4")
    ).err


def test_node_of_a_source_as_the_kernel_hashes_it() -> None:
    # measured on this machine's kernel: 7 nodes, seed 0xfeedcafe
    value = Cluster(7, 1, 0xFEEDCAFE)
    nodes = [cluster_node(IPv4Address(f"10.0.1.{i}"), value) for i in (1, 2, 3, 4, 5, 6)]
    assert nodes == [3, 4, 0, 5, 2, 6]


def test_matches_the_master_connection_and_fixes_pkttype() -> None:
    ext, value = parsed_match(
        "-m cluster --cluster-total-nodes 7 --cluster-local-node 4 --cluster-hash-seed 0xfeedcafe",
        table="mangle", chain="PREROUTING",
    )
    master = FakeConn.between("10.0.1.1", "10.0.0.9")  # node index 3: local node 4
    child = FakeConn.between("10.0.1.3", "10.0.0.9", master=master)
    skb = Skb(ip_packet("10.0.1.3", "10.0.0.9"), ct=child, ctstate=CtState.RELATED, pkttype="multicast")
    assert ext.matches(value, skb, Env()) and skb.pkttype == "host"
    assert not ext.matches(value, Skb(ip_packet("10.0.1.1", "10.0.0.9")), Env())
