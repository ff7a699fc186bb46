"""``-m state`` (libxt_conntrack.c ``state`` alias, kernel xt_conntrack.c).

iptables 1.8.9 loads ``state`` as an alias of conntrack revision 3 with the
``STATE_ALIAS`` flag: the kernel evaluates it as ``--ctstate`` and the rule
prints back as ``-m state --state ...``.
"""

from __future__ import annotations

from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb
from .conntrack import STATE_BITS, Conntrack, conntrack_matches, dump, parse_word_list


@register
class StateMatch(MatchExtension):
    name = "state"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    revision = 3
    options = (Opt("state", OptType.STRING, mand=True, invert=True),)

    def parse(self, call: Call) -> None:
        super().parse(call)
        call.data["state"] = parse_word_list(call.arg or "", STATE_BITS, "state", strict=True)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Conntrack | None:
        if "state" not in data:
            return None  # the generic check reports the missing --state
        inv = frozenset({"ctstate"}) if data.get("state!") else frozenset()
        return Conntrack(ctstate=data["state"], inv=inv, alias=True)

    def save(self, value: Conntrack, show: Show) -> str:
        return dump(value, "--", show)

    def print(self, value: Conntrack, show: Show) -> str:
        return dump(value, "", show)

    def matches(self, value: Conntrack, skb: Skb, env: Env) -> bool:
        return conntrack_matches(value, skb, env.now)
