"""``-m icmp`` (libipt_icmp.c, libxt_icmp.h; kernel ip_tables.c ``icmp_match``).

``--icmp-type`` takes a name (any unambiguous prefix, case-insensitive), a
number or ``type/code[:code]``; it is saved as numbers and listed by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import xtables_strtoul
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

ANY_TYPE = 0xFF

# ``icmp_codes``: name, type, lowest and highest code; order matters for prefix lookup
# (the first match wins, a second one is ambiguous) and for printing (the first exact entry)
ICMP_CODES: tuple[tuple[str, int, int, int], ...] = (
    ("any", 0xFF, 0, 0xFF),
    ("echo-reply", 0, 0, 0xFF),
    ("pong", 0, 0, 0xFF),
    ("destination-unreachable", 3, 0, 0xFF),
    ("network-unreachable", 3, 0, 0),
    ("host-unreachable", 3, 1, 1),
    ("protocol-unreachable", 3, 2, 2),
    ("port-unreachable", 3, 3, 3),
    ("fragmentation-needed", 3, 4, 4),
    ("source-route-failed", 3, 5, 5),
    ("network-unknown", 3, 6, 6),
    ("host-unknown", 3, 7, 7),
    ("network-prohibited", 3, 9, 9),
    ("host-prohibited", 3, 10, 10),
    ("TOS-network-unreachable", 3, 11, 11),
    ("TOS-host-unreachable", 3, 12, 12),
    ("communication-prohibited", 3, 13, 13),
    ("host-precedence-violation", 3, 14, 14),
    ("precedence-cutoff", 3, 15, 15),
    ("source-quench", 4, 0, 0xFF),
    ("redirect", 5, 0, 0xFF),
    ("network-redirect", 5, 0, 0),
    ("host-redirect", 5, 1, 1),
    ("TOS-network-redirect", 5, 2, 2),
    ("TOS-host-redirect", 5, 3, 3),
    ("echo-request", 8, 0, 0xFF),
    ("ping", 8, 0, 0xFF),
    ("router-advertisement", 9, 0, 0xFF),
    ("router-solicitation", 10, 0, 0xFF),
    ("time-exceeded", 11, 0, 0xFF),
    ("ttl-exceeded", 11, 0, 0xFF),
    ("ttl-zero-during-transit", 11, 0, 0),
    ("ttl-zero-during-reassembly", 11, 1, 1),
    ("parameter-problem", 12, 0, 0xFF),
    ("ip-header-bad", 12, 0, 0),
    ("required-option-missing", 12, 1, 1),
    ("timestamp-request", 13, 0, 0xFF),
    ("timestamp-reply", 14, 0, 0xFF),
    ("address-mask-request", 17, 0, 0xFF),
    ("address-mask-reply", 18, 0, 0xFF),
)


def icmp_types_help() -> str:
    """``xt_print_icmp_types``: the list ``iptables -p icmp -h`` shows (aliases in brackets,
    codes of a type indented)."""
    out = ""
    prev: tuple[str, int, int, int] | None = None
    for entry in ICMP_CODES:
        name, itype, lo, hi = entry
        if prev is not None and prev[1] == itype:
            out += f" ({name})" if (prev[2], prev[3]) == (lo, hi) else f"\n   {name}"
        else:
            out += f"\n{name}"
        prev = entry
    return out + "\n"


def _parse_range(text: str) -> tuple[tuple[int, int], str] | None:
    """``parse_range``: ``n`` or ``n:m`` (each 0-255), and what follows."""
    lo, rest = xtables_strtoul(text, 0, 255, partial=True)
    if lo is None:
        return None
    if not rest.startswith(":"):
        return (lo, lo), rest
    hi, rest = xtables_strtoul(rest[1:], 0, 255, partial=True)
    if hi is None:
        return None
    return (lo, hi), rest


def parse_icmp_type(text: str) -> tuple[int, tuple[int, int]]:
    """``ipt_parse_icmp``: the type and its code range."""
    found: tuple[str, int, int, int] | None = None
    for entry in ICMP_CODES:
        if not entry[0].lower().startswith(text.lower()):
            continue
        if found is not None:
            raise ParameterProblem(
                f"Ambiguous ICMP type `{text}': `{found[0]}' or `{entry[0]}'?"
            )
        found = entry
    if found is not None:
        return found[1], (found[2], found[3])
    parsed = _parse_range(text)
    if parsed is None:
        raise ParameterProblem(f"Unknown ICMP type `{text}'")
    types, rest = parsed
    codes = (0, 0xFF)
    if rest.startswith("/"):
        parsed = _parse_range(rest[1:])
        if parsed is None:
            raise ParameterProblem(f"Unknown ICMP code `{text}'")
        codes, rest = parsed
    if rest:
        raise ParameterProblem(f"unknown character {rest[0]}")
    if types[0] != types[1]:
        raise ParameterProblem("ICMP type range not supported")
    return types[0], codes


@dataclass(frozen=True, slots=True)
class Icmp:
    """``struct ipt_icmp``."""

    type: int = ANY_TYPE
    codes: tuple[int, int] = (0, 0xFF)
    invert: bool = False


@register
class IcmpMatch(MatchExtension):
    name = "icmp"
    proto = 1
    options = (Opt("icmp-type", OptType.STRING, invert=True, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        assert call.arg is not None
        call.data["icmp"] = parse_icmp_type(call.arg)
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Icmp:
        itype, codes = data.get("icmp", (ANY_TYPE, (0, 0xFF)))
        return Icmp(itype, codes, data.get("invert", False))

    def print(self, value: Icmp, show: Show) -> str:
        """``print_icmptype``: a name unless numeric, else ``type N [code C|codes A-B]``."""
        inv = "!" if value.invert else ""
        if not show.numeric:
            for name, itype, lo, hi in ICMP_CODES:
                if (itype, (lo, hi)) == (value.type, value.codes):
                    return f" icmp {inv}{name}"
        out = f" icmp{' !' if value.invert else ''}type {value.type}"
        lo, hi = value.codes
        if lo == hi:
            out += f" code {lo}"
        elif (lo, hi) != (0, 0xFF):
            out += f" codes {lo}-{hi}"
        return out

    def save(self, value: Icmp, show: Show) -> str:
        out = " !" if value.invert else ""
        if value.type == ANY_TYPE:
            return out + " --icmp-type any"
        out += f" --icmp-type {value.type}"
        if value.codes != (0, 0xFF):
            out += f"/{value.codes[0]}"
        return out

    def matches(self, value: Icmp, skb: Skb, env: Env) -> bool:
        """``icmp_match`` / ``icmp_type_code_match``: type 0xFF matches every message."""
        if skb.fragoff:
            return False
        msg = skb.packet.icmp
        if msg is None:  # a truncated header: the kernel drops the packet
            skb.hotdrop = True
            return False
        hit = value.type == ANY_TYPE or (
            msg.type == value.type and value.codes[0] <= msg.code <= value.codes[1]
        )
        return hit != value.invert
