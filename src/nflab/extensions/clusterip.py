"""``-j CLUSTERIP`` (libipt_CLUSTERIP.c): parsed and printed like iptables 1.8.9,
but this machine's kernel has no ipt_CLUSTERIP (removed in Linux 6.3), so
iptables warns when loading it and every rule using it is refused (ENOENT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType

CLUSTERIP_MAX_NODES = 16
HASHMODES = ("sourceip", "sourceip-sourceport", "sourceip-sourceport-destport")
_FULL = frozenset({"new", "hashmode", "clustermac", "total-nodes", "local-node"})


@dataclass(frozen=True, slots=True)
class Clusterip:
    """``struct ipt_clusterip_tgt_info`` (the user-visible part)."""

    new: bool = False
    hashmode: str = ""
    clustermac: bytes = bytes(6)
    total_nodes: int = 0
    local_node: int = 0
    hash_init: int = 0


def _also_new(name: str, kind: OptType, **kw: Any) -> Opt:
    return Opt(name, kind, also=("new",), **kw)


@register
class ClusteripTarget(TargetExtension):
    name = "CLUSTERIP"
    kernel_missing = True
    options = (
        Opt("new"),
        _also_new("hashmode", OptType.STRING),
        _also_new("clustermac", OptType.ETHERMAC),
        _also_new("total-nodes", OptType.UINT16, max=CLUSTERIP_MAX_NODES),
        _also_new("local-node", OptType.UINT16, max=CLUSTERIP_MAX_NODES),
        _also_new("hash-init", OptType.UINT32, max=0xFFFFFFFF),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        key = call.opt.id
        if key == "hashmode" and call.arg not in HASHMODES:
            raise ParameterProblem(f'Unknown hashmode "{call.arg}"')
        if key == "clustermac" and not call.value[0] & 0x01:
            raise ParameterProblem("MAC has to be a multicast ethernet address")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Clusterip:
        if seen and not seen >= _FULL:
            raise ParameterProblem("CLUSTERIP target: Invalid parameter combination")
        return Clusterip(
            "new" in seen,
            data.get("hashmode", ""),
            data.get("clustermac", bytes(6)),
            data.get("total-nodes", 0),
            data.get("local-node", 0),
            data.get("hash-init", 0),
        )

    @staticmethod
    def _mac(value: Clusterip) -> str:
        return ":".join(f"{b:02X}" for b in value.clustermac)

    def save(self, value: Clusterip, show: Show) -> str:
        if not value.new:
            return ""
        return (
            f" --new --hashmode {value.hashmode or 'unknown-error'} --clustermac {self._mac(value)}"
            f" --total-nodes {value.total_nodes} --local-node {value.local_node}"
            f" --hash-init {value.hash_init}"
        )

    def print(self, value: Clusterip, show: Show) -> str:
        if not value.new:
            return " CLUSTERIP"
        return (
            f" CLUSTERIP hashmode={value.hashmode or 'unknown-error'}"
            f" clustermac={self._mac(value)} total_nodes={value.total_nodes}"
            f" local_node={value.local_node} hash_init={value.hash_init}"
        )

