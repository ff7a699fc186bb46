"""``-m rpfilter`` (libxt_rpfilter.c, kernel ipt_rpfilter.c): reverse path filtering."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb

FLAGS = ("loose", "validmark", "accept-local", "invert")
IPTOS_RT_MASK = 0x1C
_ZERONET = IPv4Network("0.0.0.0/8")
_LOCAL_MCAST = IPv4Network("224.0.0.0/24")
_LBCAST = IPv4Address("255.255.255.255")


@dataclass(frozen=True, slots=True)
class Rpfilter:
    """``struct xt_rpfilter_info``: the flags given."""

    flags: frozenset[str] = frozenset()


@register
class RpfilterMatch(MatchExtension):
    name = "rpfilter"
    hooks = frozenset({"PREROUTING"})
    options = tuple(Opt(flag, OptType.NONE) for flag in FLAGS)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Rpfilter:
        return Rpfilter(frozenset(seen))

    def save(self, value: Rpfilter, show: Show) -> str:
        return "".join(f" --{flag}" for flag in FLAGS if flag in value.flags)

    def print(self, value: Rpfilter, show: Show) -> str:
        return " rpfilter" + "".join(f" {flag}" for flag in FLAGS if flag in value.flags)

    def check(self, value: Rpfilter, rule: RuleContext) -> None:
        if rule.table not in ("raw", "mangle"):  # rpfilter_check
            raise KernelRejected(
                "EINVAL", f"only valid in 'raw' or 'mangle' table, not '{rule.table}'"
            )

    def matches(self, value: Rpfilter, skb: Skb, env: Env) -> bool:
        """``rpfilter_mt``: would a reply to the source be routed out of the input device?"""
        flags = value.flags
        invert = "invert" in flags
        if skb.pkttype == "loopback" or skb.in_iface == "lo":
            return not invert
        ip = skb.packet.ip
        if ip.src in _ZERONET and (ip.dst == _LBCAST or ip.dst in _LOCAL_MCAST):
            return not invert
        # ``rpfilter_get_saddr``: no source for multicast, broadcast or zeronet targets
        special = ip.dst.is_multicast or ip.dst == _LBCAST or ip.dst in _ZERONET
        saddr = IPv4Address(0) if special else ip.dst
        mark = skb.mark if "validmark" in flags else 0
        return _reverse_ok(env, ip.src, saddr, mark, ip.tos & IPTOS_RT_MASK, skb, flags) != invert


def _reverse_ok(
    env: Env, daddr: IPv4Address, saddr: IPv4Address, mark: int, tos: int,
    skb: Skb, flags: frozenset[str],
) -> bool:
    """``rpfilter_lookup_reverse``."""
    found = env.fib_lookup(daddr, saddr, mark, tos)
    if found is None:
        return False
    kind, devices = found
    if kind != "UNICAST" and (kind != "LOCAL" or "accept-local" not in flags):
        return False
    return skb.in_iface in devices or "loose" in flags
