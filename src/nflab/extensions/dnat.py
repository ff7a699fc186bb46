"""``-j DNAT`` (libxt_NAT.c revision 2, kernel xt_nat.c ``xt_dnat_target_v2``).

Revision 2 carries the whole ``struct nf_nat_range2``, so a shifted port map
(``1000-2000/1500``) is kept. The address and port are chosen by
:func:`~nflab.netfilter.natrange.setup_nat` for the connection's first packet.
"""

from __future__ import annotations

from ..iptables.extension import register
from ..iptables.natspec import NatTarget, flag_options, nat_option
from ..netfilter.natrange import Manip, NatRange, setup_nat
from ..netfilter.skb import Env, Skb, XtVerdict


@register
class DnatTarget(NatTarget):
    name = "DNAT"
    revision = 2
    options = (nat_option("to-destination", mand=True), *flag_options("random", "persistent"))
    range_option = "to-destination"
    list_label = "to:"
    compat = False
    hooks = frozenset({"PREROUTING", "OUTPUT"})

    def target(self, value: NatRange, skb: Skb, env: Env) -> XtVerdict:
        return setup_nat(skb, env, value, Manip.DST)
