"""``-m helper`` (libxt_helper.c, kernel xt_helper.c): the helper of the master connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.quoting import put_string, xtables_save_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Helper:
    """``struct xt_helper_info``: ``name`` is a ``char[30]``."""

    name: str
    invert: bool = False


@register
class HelperMatch(MatchExtension):
    name = "helper"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    options = (Opt("helper", OptType.STRING, mand=True, invert=True),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Helper | None:
        if "helper" not in data:
            return None  # the generic check reports the missing --helper
        return Helper(put_string(data["helper"], 30), bool(data.get("helper!")))

    def save(self, value: Helper, show: Show) -> str:
        return (" !" if value.invert else "") + " --helper" + xtables_save_string(value.name)

    def print(self, value: Helper, show: Show) -> str:
        return f' helper match {"! " if value.invert else ""}"{value.name}"'

    def matches(self, value: Helper, skb: Skb, env: Env) -> bool:
        """``helper_mt``: the helper assigned to the connection this one is related to."""
        ct = skb.ct
        master = ct.master if ct is not None else None
        helper = master.helper if master is not None else None
        if helper is None:
            return value.invert
        if value.name == "":
            return not value.invert
        # ``strncmp(helper->name, info->name, strlen(helper->name))``: a prefix test
        return value.name.startswith(helper) != value.invert
