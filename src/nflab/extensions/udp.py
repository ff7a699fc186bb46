"""``-m udp`` (libxt_udp.c, kernel xt_tcpudp.c): source and destination port ranges.

An x6 extension (``Port "x" does not resolve to anything.``); printing, saving
and the native nf_tables form are shared with tcp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.nft_native import PortCmp, decode_ports, encode_ports, ports_read_back_same
from ..iptables.ports import FULL_RANGE, in_range, print_ports, save_ports
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

IPPROTO_UDP = 17


@dataclass(frozen=True, slots=True)
class Udp:
    """``struct xt_udp``; ``inv`` holds ``sport dport``."""

    spts: tuple[int, int] = FULL_RANGE
    dpts: tuple[int, int] = FULL_RANGE
    inv: frozenset[str] = frozenset()
    # iptables-nft 1.8.9 stores two single ports inverted alike as one 32-bit compare
    # (``add_nft_tcpudp``): ``! --sport A ! --dport B`` then means "not both", though it
    # reads back (and compares, for -D/-C) as the two inversions
    joint: bool = field(default=False, compare=False)


_NO_PORTS = Udp()  # a match comparing nothing


@register
class UdpMatch(MatchExtension):
    name = "udp"
    proto = IPPROTO_UDP
    options = (
        Opt("source-port", OptType.PORTRC, key="sport", invert=True),
        Opt("sport", OptType.PORTRC, key="sport", invert=True),
        Opt("destination-port", OptType.PORTRC, key="dport", invert=True),
        Opt("dport", OptType.PORTRC, key="dport", invert=True),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        call.data[key] = call.value
        if call.invert:
            call.data.setdefault("inv", set()).add(key)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Udp:
        return Udp(
            spts=data.get("sport", FULL_RANGE),
            dpts=data.get("dport", FULL_RANGE),
            inv=frozenset(data.get("inv", ())),
        )

    def print(self, value: Udp, show: Show) -> str:
        return (
            " udp"
            + print_ports("spt", value.spts, "sport" in value.inv, show, "udp")
            + print_ports("dpt", value.dpts, "dport" in value.inv, show, "udp")
        )

    def save(self, value: Udp, show: Show) -> str:
        out = ""
        if value.spts != FULL_RANGE:
            out += save_ports("--sport", value.spts, "sport" in value.inv)
        if value.dpts != FULL_RANGE:
            out += save_ports("--dport", value.dpts, "dport" in value.inv)
        return out

    def nft_native(self, value: Udp, proto: int) -> tuple[Any, ...] | None:
        """``add_nft_udp``: a match comparing nothing stays an xt match."""
        if value == _NO_PORTS:
            return None
        if proto != IPPROTO_UDP:
            raise ParameterProblem("UDP match requires '-p udp'")
        return tuple(encode_ports(value))

    def nft_decode(self, value: Udp | None, expr: PortCmp) -> Udp:
        return decode_ports(value if value is not None else _NO_PORTS, expr)

    def nft_reads_back_same(self, value: Udp, proto: int) -> bool:
        return proto == IPPROTO_UDP and ports_read_back_same(value)

    def port_bounds(self, value: Udp) -> tuple[tuple[int, int], tuple[int, int]]:
        """The ports a packet needs (an inverted range: any port)."""
        return (
            FULL_RANGE if "sport" in value.inv else value.spts,
            FULL_RANGE if "dport" in value.inv else value.dpts,
        )

    def matches(self, value: Udp, skb: Skb, env: Env) -> bool:
        """xt_tcpudp ``udp_mt``."""
        if skb.fragoff:
            return False
        dgram = skb.packet.udp
        if dgram is None:  # a truncated header: the kernel drops the packet
            skb.hotdrop = True
            return False
        if value.joint:
            return (dgram.sport, dgram.dport) != (value.spts[0], value.dpts[0])
        return in_range(dgram.sport, value.spts) != ("sport" in value.inv) and in_range(
            dgram.dport, value.dpts
        ) != ("dport" in value.inv)
