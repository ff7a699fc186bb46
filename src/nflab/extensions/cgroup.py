"""``-m cgroup`` (libxt_cgroup.c revision 2, kernel xt_cgroup.c): the socket's cgroup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.quoting import put_string, xtables_save_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb

XT_CGROUP_PATH_MAX = 512


@dataclass(frozen=True, slots=True)
class Cgroup:
    """``struct xt_cgroup_info_v2``: a cgroup2 path and/or a net_cls classid."""

    path: str | None = None
    classid: int | None = None
    invert_path: bool = False
    invert_classid: bool = False


@register
class CgroupMatch(MatchExtension):
    name = "cgroup"
    revision = 2
    options = (
        Opt("path", OptType.STRING, invert=True),
        Opt("cgroup", OptType.UINT32, invert=True),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Cgroup:
        path = data.get("path")
        return Cgroup(
            put_string(path, XT_CGROUP_PATH_MAX) if path is not None else None,
            data.get("cgroup"),
            bool(data.get("path!")),
            bool(data.get("cgroup!")),
        )

    def save(self, value: Cgroup, show: Show) -> str:
        out = ""
        if value.path is not None:
            out += f"{' !' if value.invert_path else ''} --path" + xtables_save_string(value.path)
        if value.classid is not None:
            out += f"{' !' if value.invert_classid else ''} --cgroup {value.classid}"
        return out

    def print(self, value: Cgroup, show: Show) -> str:
        out = " cgroup"
        if value.path is not None:
            out += f" {'! ' if value.invert_path else ''}{value.path}"
        if value.classid is not None:
            out += f" {'! ' if value.invert_classid else ''}{value.classid}"
        return out

    def check(self, value: Cgroup, rule: RuleContext) -> None:
        # ``cgroup_mt_check_v2``: exactly one of path and classid. The path must name an
        # existing cgroup2 directory; nflab machines have no cgroup tree to check it against.
        if (value.path is None) == (value.classid is None):
            raise KernelRejected("EINVAL")

    def matches(self, value: Cgroup, skb: Skb, env: Env) -> bool:
        raise NotImplementedError("-m cgroup: nflab does not simulate the cgroups of sockets")
