"""``-m cluster`` (libxt_cluster.c, kernel xt_cluster.c): share connections among nodes."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.ctview import CtDir
from ..netfilter.jhash import be32_word, jhash_1word, reciprocal_scale
from ..netfilter.skb import Env, Skb

XT_CLUSTER_NODES_MAX = 32


@dataclass(frozen=True, slots=True)
class Cluster:
    """``struct xt_cluster_match_info``."""

    total_nodes: int
    node_mask: int
    hash_seed: int
    invert: bool = False


def _node_opt(name: str, excl: str, **kw: Any) -> Opt:
    return Opt(name, OptType.UINT32, min=1, max=XT_CLUSTER_NODES_MAX, excl=(excl,), **kw)


@register
class ClusterMatch(MatchExtension):
    name = "cluster"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    options = (
        Opt("cluster-total-nodes", OptType.UINT32, min=1, max=XT_CLUSTER_NODES_MAX, mand=True),
        _node_opt("cluster-local-node", "cluster-local-nodemask", invert=True),
        _node_opt("cluster-local-nodemask", "cluster-local-node", invert=True),
        Opt("cluster-hash-seed", OptType.UINT32, mand=True),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        d, key = call.data, call.opt.id
        if key == "cluster-local-node":
            d["node_mask"] = (1 << (call.value - 1)) & 0xFFFFFFFF
        elif key == "cluster-local-nodemask":
            d["node_mask"] = call.value
        if call.invert:
            d["invert"] = True

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Cluster | None:
        """``cluster_check``, which runs before the generic mandatory checks."""
        base = {"cluster-total-nodes", "cluster-hash-seed"}
        for node_opt, message in (
            ("cluster-local-node", "`--cluster-local-node' must be <= `--cluster-total-nodes'"),
            ("cluster-local-nodemask", "`--cluster-local-nodemask' too big for `--cluster-total-nodes'"),
        ):
            if base | {node_opt} <= seen:
                if data["node_mask"] >= 1 << data["cluster-total-nodes"]:
                    raise ParameterProblem(f"cluster match: {message}")
                return Cluster(
                    data["cluster-total-nodes"],
                    data["node_mask"],
                    data["cluster-hash-seed"],
                    data.get("invert", False),
                )
        if "node_mask" not in data:
            raise ParameterProblem(
                "cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing"
            )
        return None  # the generic check reports the missing option

    def save(self, value: Cluster, show: Show) -> str:
        return (
            f"{' !' if value.invert else ''} --cluster-local-nodemask 0x{value.node_mask:08x}"
            f" --cluster-total-nodes {value.total_nodes} --cluster-hash-seed 0x{value.hash_seed:08x}"
        )

    def print(self, value: Cluster, show: Show) -> str:
        return (
            f" cluster {'!' if value.invert else ''}node_mask=0x{value.node_mask:08x}"
            f" total_nodes={value.total_nodes} hash_seed=0x{value.hash_seed:08x}"
        )

    def check(self, value: Cluster, rule: RuleContext) -> None:
        if value.node_mask >= 1 << value.total_nodes:
            raise KernelRejected("EDOM", "node mask cannot exceed total number of nodes")

    def matches(self, value: Cluster, skb: Skb, env: Env) -> bool:
        """``xt_cluster_mt``: hash the original source of the (master) connection."""
        if skb.pkttype == "multicast" and not skb.packet.ip.dst.is_multicast:
            # the kernel rewrites pkt_type so a multicast-MAC cluster's packets reach TCP
            skb.pkttype = "host"
        ct = skb.ct
        if ct is None:
            return False
        owner = ct.master if ct.master is not None else ct
        node = cluster_node(owner.tuple(CtDir.ORIGINAL).src, value)
        return bool(value.node_mask >> node & 1) != value.invert


def cluster_node(src: IPv4Address, value: Cluster) -> int:
    """``xt_cluster_hash``: the 0-based node a source address belongs to."""
    return reciprocal_scale(jhash_1word(be32_word(src.packed), value.hash_seed), value.total_nodes)
