"""``-m connlimit`` (libxt_connlimit.c revision 1, kernel xt_connlimit.c + nf_conncount.c)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.addresses import plen_mask
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.ctview import ConnView
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Connlimit:
    """``struct xt_connlimit_info``: ``upto`` is ``XT_CONNLIMIT_INVERT``."""

    limit: int
    upto: bool = False
    mask: int = 0xFFFFFFFF
    daddr: bool = False


def mask_bits(mask: int) -> int:
    """``count_bits4``: 32 minus the bit length of the inverted mask."""
    return 32 - ((~mask) & 0xFFFFFFFF).bit_length()


@register
class ConnlimitMatch(MatchExtension):
    name = "connlimit"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    revision = 1
    options = (
        Opt("connlimit-upto", OptType.UINT32, invert=True, excl=("connlimit-above",)),
        Opt("connlimit-above", OptType.UINT32, invert=True, excl=("connlimit-upto",)),
        Opt("connlimit-mask", OptType.PLENMASK),
        Opt("connlimit-saddr", OptType.NONE, excl=("connlimit-daddr",)),
        Opt("connlimit-daddr", OptType.NONE, excl=("connlimit-saddr",)),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        d, key = call.data, call.opt.id
        if key in ("connlimit-upto", "connlimit-above"):
            d["limit"] = call.value
            # --connlimit-upto N is the inverse of --connlimit-above N
            d["upto"] = (key == "connlimit-upto") != call.invert
        elif key in ("connlimit-saddr", "connlimit-daddr"):
            d["daddr"] = key == "connlimit-daddr"

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Connlimit:
        if "limit" not in data:
            raise ParameterProblem('You must specify "--connlimit-above" or "--connlimit-upto".')
        mask = plen_mask(data["connlimit-mask"][0]) if "connlimit-mask" in data else 0xFFFFFFFF
        return Connlimit(data["limit"], data["upto"], mask, data.get("daddr", False))

    def save(self, value: Connlimit, show: Show) -> str:
        kind = "upto" if value.upto else "above"
        side = "daddr" if value.daddr else "saddr"
        return (
            f" --connlimit-{kind} {value.limit} --connlimit-mask {mask_bits(value.mask)}"
            f" --connlimit-{side}"
        )

    def print(self, value: Connlimit, show: Show) -> str:
        side = "dst" if value.daddr else "src"
        op = "<=" if value.upto else ">"
        return f" #conn {side}/{mask_bits(value.mask)} {op} {value.limit}"

    def matches(self, value: Connlimit, skb: Skb, env: Env) -> bool:
        """``connlimit_mt``: count the rule's live connections from the same masked address.

        Like ``nf_conncount``, each rule instance remembers the connections it has
        seen per key, forgets those that are gone or closed, and counts the
        packet's own connection once.
        """
        ip = skb.packet.ip
        key = int(ip.dst if value.daddr else ip.src) & value.mask
        seen: dict[int, list[ConnView]] = env.rule_state("connlimit", value, dict)
        conns = [c for c in seen.get(key, []) if not c.finished]
        ct = skb.ct
        if ct is not None and not any(c is ct for c in conns):
            conns.append(ct)
        seen[key] = conns
        count = len(conns) if ct is not None else len(conns) + 1
        return (count > value.limit) != value.upto
