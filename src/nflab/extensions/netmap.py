"""``-j NETMAP`` (libipt_NETMAP.c, kernel xt_NETMAP.c ``netmap_tg4``): 1:1 network mapping.

The network part of the address is replaced, the host part kept: the
destination before routing (PREROUTING, OUTPUT), the source after (INPUT,
POSTROUTING). Stored as the compat range ``net .. net|~mask``.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

from ..iptables.addresses import prefix_of
from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.natrange import NatFlag, NatRange, hook_manip, setup_nat
from ..netfilter.skb import Env, Skb, XtVerdict

_ALL = 0xFFFFFFFF


def plen_mask(plen: int) -> int:
    """``xtopt_parse_plenmask``: a prefix length as a mask. A dotted mask with holes
    has no prefix length (255 as a u8) and leaves the mask all ones."""
    if plen < 0 or plen > 32:
        return _ALL
    return (_ALL << (32 - plen)) & _ALL


def _net_text(value: NatRange) -> str:
    """``__NETMAP_print``: ``net/bits``, or ``net/dotted`` for a mask with holes."""
    mask = ~(int(value.min_addr) ^ int(value.max_addr)) & _ALL
    bits = prefix_of(mask)
    suffix = str(bits) if bits is not None else str(IPv4Address(mask))
    return f"{value.min_addr}/{suffix}"


@register
class NetmapTarget(TargetExtension):
    name = "NETMAP"
    options = (Opt("to", OptType.HOSTMASK, mand=True),)
    tables = frozenset({"nat"})
    hooks = frozenset({"PREROUTING", "POSTROUTING", "OUTPUT", "INPUT"})
    needs_conntrack = True

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> NatRange:
        addr, plen = data.get("to", (IPv4Address(0), 32))
        mask = plen_mask(plen)
        low = int(addr) & mask
        return NatRange(NatFlag.MAP_IPS, IPv4Address(low), IPv4Address(low | (~mask & _ALL)))

    def save(self, value: NatRange, show: Show) -> str:
        return f" --to {_net_text(value)}"

    def print(self, value: NatRange, show: Show) -> str:
        return f" to:{_net_text(value)}"

    def check(self, value: NatRange, rule: RuleContext) -> None:
        if not value.flags & NatFlag.MAP_IPS:  # netmap_tg4_check
            raise KernelRejected("EINVAL")

    def target(self, value: NatRange, skb: Skb, env: Env) -> XtVerdict:
        """``netmap_tg4``: keep the host bits of the address being translated."""
        netmask = ~(int(value.min_addr) ^ int(value.max_addr)) & _ALL
        ip = skb.packet.ip
        current = ip.dst if skb.hook in ("PREROUTING", "OUTPUT") else ip.src
        new = IPv4Address((int(current) & ~netmask & _ALL) | (int(value.min_addr) & netmask))
        rng = NatRange(
            value.flags | NatFlag.MAP_IPS, new, new, value.min_proto, value.max_proto
        )
        return setup_nat(skb, env, rng, hook_manip(skb.hook))
