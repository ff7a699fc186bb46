"""``-m addrtype`` revision 1 (libxt_addrtype.c, kernel xt_addrtype.c): route types of
the source and destination addresses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

# ``rtn_names``: the route types in ``enum rtn_type`` order; bit i stands for type i
RTN_NAMES = (
    "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE",
    "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
)  # fmt: skip


def _type_bit(word: str) -> int | None:
    """``parse_type``: the first type the word is a case-insensitive prefix of."""
    for i, name in enumerate(RTN_NAMES):
        if name.startswith(word.upper()):
            return 1 << i
    return None


def parse_types(text: str) -> int:
    """``parse_types``: ``TYPE[,TYPE...]`` with the two messages of 1.8.9."""
    mask = 0
    rest = text
    while "," in rest:
        word = rest[: rest.index(",")]
        bit = _type_bit(word) if word else None
        if bit is None:
            raise ParameterProblem(f"addrtype: bad type `{rest}'")
        mask |= bit
        rest = rest[rest.index(",") + 1 :]
    bit = _type_bit(rest) if rest else None
    if bit is None:
        raise ParameterProblem(f'addrtype: bad type "{rest}"')
    return mask | bit


def types_text(mask: int) -> str:
    return ",".join(name for i, name in enumerate(RTN_NAMES) if mask & 1 << i)


@dataclass(frozen=True, slots=True)
class Addrtype:
    """``struct xt_addrtype_info_v1``."""

    source: int = 0
    dest: int = 0
    invert_source: bool = False
    invert_dest: bool = False
    limit_in: bool = False
    limit_out: bool = False


@register
class AddrtypeMatch(MatchExtension):
    name = "addrtype"
    revision = 1
    options = (
        Opt("src-type", OptType.STRING, invert=True),
        Opt("dst-type", OptType.STRING, invert=True),
        Opt("limit-iface-in", excl=("limit-iface-out",)),
        Opt("limit-iface-out", excl=("limit-iface-in",)),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        if call.arg is not None:
            call.data[key] = call.data.get(key, 0) | parse_types(call.arg)
        call.data[key + "!"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Addrtype:
        if not {"src-type", "dst-type"} & seen:
            raise ParameterProblem("addrtype: you must specify --src-type or --dst-type")
        return Addrtype(
            source=data.get("src-type", 0),
            dest=data.get("dst-type", 0),
            invert_source=data.get("src-type!", False),
            invert_dest=data.get("dst-type!", False),
            limit_in="limit-iface-in" in seen,
            limit_out="limit-iface-out" in seen,
        )

    def print(self, value: Addrtype, show: Show) -> str:
        out = " ADDRTYPE match"
        if value.source:
            out += f" src-type {'!' if value.invert_source else ''}{types_text(value.source)}"
        if value.dest:
            out += f" dst-type {'!' if value.invert_dest else ''}{types_text(value.dest)}"
        return out + (" limit-in" if value.limit_in else "") + (" limit-out" if value.limit_out else "")

    def save(self, value: Addrtype, show: Show) -> str:
        out = ""
        if value.source:
            out += f"{' !' if value.invert_source else ''} --src-type {types_text(value.source)}"
        if value.dest:
            out += f"{' !' if value.invert_dest else ''} --dst-type {types_text(value.dest)}"
        out += " --limit-iface-in" if value.limit_in else ""
        return out + (" --limit-iface-out" if value.limit_out else "")

    def check(self, value: Addrtype, rule: RuleContext) -> None:
        """``addrtype_mt_checkentry_v1``: an interface limit only where that interface exists."""
        if value.limit_in and value.limit_out:
            raise KernelRejected("EINVAL")
        if value.limit_out and rule.hooks & {"PREROUTING", "INPUT"}:
            raise KernelRejected("EINVAL")
        if value.limit_in and rule.hooks & {"POSTROUTING", "OUTPUT"}:
            raise KernelRejected("EINVAL")

    def matches(self, value: Addrtype, skb: Skb, env: Env) -> bool:
        """``addrtype_mt_v1``: ``inet_dev_addr_type`` of each address, limited to a device."""
        dev = skb.in_iface if value.limit_in else skb.out_iface if value.limit_out else None
        ip = skb.packet.ip
        for mask, invert, addr in (
            (value.source, value.invert_source, ip.src),
            (value.dest, value.invert_dest, ip.dst),
        ):
            if not mask:
                continue
            kind = env.address_types(addr) if dev is None else env.address_types(addr, dev)
            if bool(mask & 1 << RTN_NAMES.index(kind)) == invert:
                return False
        return True
