"""``-m iprange`` revision 1 (libxt_iprange.c, kernel xt_iprange.c): address ranges."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from ..iptables.addresses import parse_ipv4_literal
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.paramact import bad_value
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

Range = tuple[IPv4Address, IPv4Address]


def parse_range(text: str, option: str, warnings: list[str]) -> Range:
    """``iprange_parse_range``: ``a[-b]``, numeric addresses only (``10.1`` is 10.1.0.0)."""
    first, dash, second = text.partition("-")
    ends = []
    for spec in (first, second if dash else first):
        addr = parse_ipv4_literal(spec)
        if addr is None:
            raise bad_value("iprange", option, spec)
        ends.append(addr)
    if ends[0] > ends[1]:
        warnings.append(f"xt_iprange: range {first}-{second} is reversed and will never match")
    return ends[0], ends[1]


@dataclass(frozen=True, slots=True)
class Iprange:
    """``struct xt_iprange_mtinfo``: a missing range is None."""

    src: Range | None = None
    dst: Range | None = None
    src_invert: bool = False
    dst_invert: bool = False


@register
class IprangeMatch(MatchExtension):
    name = "iprange"
    revision = 1
    options = (
        Opt("src-range", OptType.STRING, key="src", invert=True),
        Opt("dst-range", OptType.STRING, key="dst", invert=True),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        assert call.arg is not None
        key = call.opt.id
        call.data[key] = parse_range(call.arg, f"--{call.opt.name}", call.warnings)
        call.data[key + "!"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Iprange:
        if not seen:
            raise ParameterProblem(
                "iprange match: You must specify `--src-range' or `--dst-range'"
            )
        return Iprange(data.get("src"), data.get("dst"), data.get("src!", False), data.get("dst!", False))

    def print(self, value: Iprange, show: Show) -> str:
        out = ""
        for label, rng, inv in (
            ("source", value.src, value.src_invert),
            ("destination", value.dst, value.dst_invert),
        ):
            if rng is not None:
                out += f" {label} IP range{' !' if inv else ''} {rng[0]}-{rng[1]}"
        return out

    def save(self, value: Iprange, show: Show) -> str:
        out = ""
        for option, rng, inv in (
            ("--src-range", value.src, value.src_invert),
            ("--dst-range", value.dst, value.dst_invert),
        ):
            if rng is not None:
                out += f"{' !' if inv else ''} {option} {rng[0]}-{rng[1]}"
        return out

    def matches(self, value: Iprange, skb: Skb, env: Env) -> bool:
        """``iprange_mt4``: each given range (inclusive), xor its inversion."""
        ip = skb.packet.ip
        for rng, inv, addr in (
            (value.src, value.src_invert, ip.src),
            (value.dst, value.dst_invert, ip.dst),
        ):
            if rng is not None and (rng[0] <= addr <= rng[1]) == inv:
                return False
        return True
