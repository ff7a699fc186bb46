"""``-j SNAT`` (libxt_NAT.c, kernel xt_nat.c ``xt_snat_target_v0``).

IPv4 SNAT has only revision 0: the compat range without a base port.
"""

from __future__ import annotations

from ..iptables.extension import register
from ..iptables.natspec import NatTarget, flag_options, nat_option
from ..netfilter.natrange import Manip, NatRange, setup_nat
from ..netfilter.skb import Env, Skb, XtVerdict


@register
class SnatTarget(NatTarget):
    name = "SNAT"
    options = (
        nat_option("to-source", mand=True),
        *flag_options("random", "random-fully", "persistent"),
    )
    range_option = "to-source"
    list_label = "to:"
    hooks = frozenset({"POSTROUTING", "INPUT"})

    def target(self, value: NatRange, skb: Skb, env: Env) -> XtVerdict:
        return setup_nat(skb, env, value, Manip.SRC)
