"""``-m pkttype`` (libxt_pkttype.c, kernel xt_pkttype.c): the link-layer packet type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_LOOPBACK = 0, 1, 2, 3, 5
# ``supported_types``: the first entry of a number is the name printed
TYPES: tuple[tuple[str, int], ...] = (
    ("unicast", PACKET_HOST),
    ("broadcast", PACKET_BROADCAST),
    ("multicast", PACKET_MULTICAST),
    ("otherhost", PACKET_OTHERHOST),
    ("bcast", PACKET_BROADCAST),
    ("mcast", PACKET_MULTICAST),
    ("host", PACKET_HOST),
)
# ``Skb.pkttype`` names (the kernel's ``skb->pkt_type``)
SKB_TYPES = {
    "host": PACKET_HOST,
    "broadcast": PACKET_BROADCAST,
    "multicast": PACKET_MULTICAST,
    "otherhost": PACKET_OTHERHOST,
    "outgoing": 4,
    "loopback": PACKET_LOOPBACK,
}


def pkttype_text(number: int) -> str:
    return next((name for name, n in TYPES if n == number), str(number))


@dataclass(frozen=True, slots=True)
class Pkttype:
    """``struct xt_pkttype_info``."""

    pkttype: int = PACKET_HOST
    invert: bool = False


@register
class PkttypeMatch(MatchExtension):
    name = "pkttype"
    options = (Opt("pkt-type", OptType.STRING, invert=True, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        assert call.arg is not None
        number = next((n for name, n in TYPES if name == call.arg.lower()), None)
        if number is None:
            raise ParameterProblem(f"Bad packet type '{call.arg}'")
        call.data["type"] = number
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Pkttype:
        return Pkttype(data.get("type", PACKET_HOST), data.get("invert", False))

    def print(self, value: Pkttype, show: Show) -> str:
        return f" PKTTYPE {'!' if value.invert else ''}= {pkttype_text(value.pkttype)}"

    def save(self, value: Pkttype, show: Show) -> str:
        return f"{' !' if value.invert else ''} --pkt-type {pkttype_text(value.pkttype)}"

    def matches(self, value: Pkttype, skb: Skb, env: Env) -> bool:
        """``pkttype_mt``: a looped-back packet counts as multicast or broadcast by address."""
        ptype = SKB_TYPES[skb.pkttype]
        if ptype == PACKET_LOOPBACK:
            ptype = PACKET_MULTICAST if skb.packet.ip.dst.is_multicast else PACKET_BROADCAST
        return (ptype == value.pkttype) != value.invert
