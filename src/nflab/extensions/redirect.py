"""``-j REDIRECT`` (libxt_NAT.c, kernel xt_REDIRECT.c / nf_nat_redirect.c).

Destination NAT to this host: 127.0.0.1 for locally generated packets, else
the first address of the device the packet came in on.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, register
from ..iptables.natspec import NatTarget, flag_options, nat_option
from ..netfilter.natrange import Manip, NatFlag, NatRange, setup_nat
from ..netfilter.skb import Env, Skb, XtVerdict

LOOPBACK = IPv4Address("127.0.0.1")


@register
class RedirectTarget(NatTarget):
    name = "REDIRECT"
    options = (nat_option("to-ports"), *flag_options("random"))
    range_option = "to-ports"
    list_label = "redir ports "
    skip_colon = True
    map_ips_allowed = False
    hooks = frozenset({"PREROUTING", "OUTPUT"})

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> NatRange:
        rng = super().finalize(data, seen, rule)
        if rng.flags & NatFlag.PROTO_OFFSET:  # DNAT_fcheck: the compat struct has no base
            raise ParameterProblem("Shifted portmap ranges not supported with this kernel")
        return rng

    def target(self, value: NatRange, skb: Skb, env: Env) -> XtVerdict:
        """``nf_nat_redirect_ipv4``."""
        newdst: IPv4Address | None = LOOPBACK
        if skb.hook != "OUTPUT":
            newdst = env.iface_first_address(skb.in_iface)
        if newdst is None:
            return XtVerdict.DROP  # the input device has no address
        rng = replace(value, flags=value.flags | NatFlag.MAP_IPS, min_addr=newdst, max_addr=newdst)
        return setup_nat(skb, env, rng, Manip.DST)
