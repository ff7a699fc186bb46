"""``-j MASQUERADE`` (libxt_NAT.c, kernel xt_MASQUERADE.c / nf_nat_masquerade.c).

Source NAT to the address the outgoing device would use toward the packet's
next hop, looked up per connection (so a changed address takes effect for
new connections).
"""

from __future__ import annotations

from dataclasses import replace

from ..iptables.extension import register
from ..iptables.natspec import NatTarget, flag_options, nat_option
from ..netfilter.ctview import CtDir
from ..netfilter.natrange import Manip, NatFlag, NatRange, setup_nat
from ..netfilter.skb import Env, Skb, XtVerdict


@register
class MasqueradeTarget(NatTarget):
    name = "MASQUERADE"
    options = (nat_option("to-ports"), *flag_options("random", "random-fully"))
    range_option = "to-ports"
    list_label = "masq ports: "
    skip_colon = True
    map_ips_allowed = False
    hooks = frozenset({"POSTROUTING"})

    def target(self, value: NatRange, skb: Skb, env: Env) -> XtVerdict:
        """``nf_nat_masquerade_ipv4``."""
        ct = skb.ct
        src = ct.tuple(CtDir.ORIGINAL).src if ct is not None else skb.packet.ip.src
        if int(src) == 0:
            return XtVerdict.ACCEPT  # from 0.0.0.0: a local packet not meant to be masqueraded
        newsrc = env.iface_select_source(skb.out_iface, skb.packet.ip.dst)
        if newsrc is None:
            env.log(6, f"{skb.out_iface} ate my IP address")
            return XtVerdict.DROP
        rng = replace(value, flags=value.flags | NatFlag.MAP_IPS, min_addr=newsrc, max_addr=newsrc)
        return setup_nat(skb, env, rng, Manip.SRC, masq_iface=skb.out_iface)
