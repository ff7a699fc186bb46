"""``-m dccp`` (libxt_dccp.c, kernel xt_dccp.c): ports, packet types, an option."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.ports import in_range, print_ports, save_ports
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

# ``dccp_pkt_types`` by type number; INVALID (10) also stands for the unused types 11-15
PKT_TYPES = (
    "REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC",
    "SYNCACK", "INVALID",
)  # fmt: skip
INVALID = 10
INVALID_OTHER_TYPES = 0xF800
DCCP_HDR_LEN = 12  # struct dccp_hdr


def parse_dccp_types(text: str) -> int:
    """``parse_dccp_types``: a bit per type; INVALID covers 10-15."""
    mask = 0
    for word in (w for w in text.split(",") if w):
        number = next((i for i, n in enumerate(PKT_TYPES) if n == word.upper()), None)
        if number is None:
            raise ParameterProblem(f"Unknown DCCP type `{word}'")
        mask |= 1 << number
    if mask & 1 << INVALID:
        mask |= INVALID_OTHER_TYPES
    return mask


def dccp_types_text(mask: int, numeric: bool) -> str:
    """``print_types``: names stop at INVALID; numbers list every bit."""
    out = []
    for i in range(16):
        if not mask & 1 << i:
            continue
        if numeric:
            out.append(str(i))
            continue
        out.append(PKT_TYPES[i])
        if i == INVALID:
            break
    return ",".join(out)


@dataclass(frozen=True, slots=True)
class Dccp:
    """``struct xt_dccp_info``: ``flags``/``inv`` hold ``sport dport types option``."""

    spts: tuple[int, int] = (0, 0)
    dpts: tuple[int, int] = (0, 0)
    flags: frozenset[str] = frozenset()
    inv: frozenset[str] = frozenset()
    typemask: int = 0
    option: int = 0


def _port_opt(name: str, key: str) -> Opt:
    return Opt(name, OptType.PORTRC, key=key, invert=True)


@register
class DccpMatch(MatchExtension):
    name = "dccp"
    proto = 33
    options = (
        _port_opt("source-port", "sport"),
        _port_opt("sport", "sport"),
        _port_opt("destination-port", "dport"),
        _port_opt("dport", "dport"),
        Opt("dccp-types", OptType.STRING, key="types", invert=True),
        Opt("dccp-option", OptType.UINT8, key="option", invert=True, min=1, max=255),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        if key == "types":
            assert call.arg is not None
            call.data[key] = parse_dccp_types(call.arg)
        else:
            call.data[key] = call.value
        if call.invert:
            call.data.setdefault("inv", set()).add(key)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Dccp:
        return Dccp(
            spts=data.get("sport", (0, 0)),
            dpts=data.get("dport", (0, 0)),
            flags=frozenset(seen),
            inv=frozenset(data.get("inv", ())),
            typemask=data.get("types", 0),
            option=data.get("option", 0),
        )

    def print(self, value: Dccp, show: Show) -> str:
        out = " dccp"
        if "sport" in value.flags:
            out += print_ports("spt", value.spts, "sport" in value.inv, show, "dccp")
        if "dport" in value.flags:
            out += print_ports("dpt", value.dpts, "dport" in value.inv, show, "dccp")
        if "types" in value.flags:
            inv = " !" if "types" in value.inv else ""
            out += f"{inv} {dccp_types_text(value.typemask, show.numeric)}"
        if "option" in value.flags and (value.option or "option" in value.inv):
            out += f" option={'!' if 'option' in value.inv else ''}{value.option}"
        return out

    def save(self, value: Dccp, show: Show) -> str:
        out = ""
        if "sport" in value.flags:
            out += save_ports("--sport", value.spts, "sport" in value.inv)
        if "dport" in value.flags:
            out += save_ports("--dport", value.dpts, "dport" in value.inv)
        if "types" in value.flags:
            inv = " !" if "types" in value.inv else ""
            out += f"{inv} --dccp-types {dccp_types_text(value.typemask, False)}"
        if "option" in value.flags:
            out += f"{' !' if 'option' in value.inv else ''} --dccp-option {value.option}"
        return out

    def check(self, value: Dccp, rule: RuleContext) -> None:
        if not value.inv <= value.flags:
            raise KernelRejected("EINVAL")

    def matches(self, value: Dccp, skb: Skb, env: Env) -> bool:
        """``dccp_mt``: each given test, inverted when asked (``DCCHECK``)."""
        if skb.fragoff:
            return False
        header = skb.transport_header(DCCP_HDR_LEN)
        if header is None:
            skb.hotdrop = True
            return False
        sport = int.from_bytes(header[0:2], "big")
        dport = int.from_bytes(header[2:4], "big")
        ptype = (header[8] >> 1) & 0xF
        tests: list[tuple[str, bool | None]] = [
            ("sport", in_range(sport, value.spts)),
            ("dport", in_range(dport, value.dpts)),
            ("types", bool(value.typemask & 1 << ptype)),
        ]
        if "option" in value.flags:
            tests.append(("option", _find_option(value.option, skb.packet.payload)))
        for key, hit in tests:
            if key not in value.flags:
                continue
            if hit is None:  # options that cannot be read: the kernel drops the packet
                skb.hotdrop = True
                return False
            if hit == (key in value.inv):
                return False
        return True


def _header_len(data: bytes) -> int:
    """``__dccp_hdr_len``: generic header, extended sequence number, type-specific part."""
    ptype, extended = (data[8] >> 1) & 0xF, data[8] & 1
    if ptype == 2:  # DATA
        extra = 0
    elif ptype in (3, 4, 5, 6, 8, 9):  # ACK DATAACK CLOSEREQ CLOSE SYNC SYNCACK: ack bits
        extra = 8
    elif ptype == 0:  # REQUEST: service code
        extra = 4
    else:  # RESPONSE, RESET
        extra = 12
    return DCCP_HDR_LEN + (4 if extended else 0) + extra


def _find_option(option: int, data: bytes) -> bool | None:
    """``dccp_find_option``: scan the options between the header and ``doff`` (None: bad)."""
    start = _header_len(data)
    end = data[4] * 4
    if end < start:
        return None
    if end == start:
        return False
    if len(data) < end:
        return None
    ops = data[start:end]
    i = 0
    while i < len(ops):
        if ops[i] == option:
            return True
        i += 1 if ops[i] < 2 or i + 1 >= len(ops) else (ops[i + 1] or 1)
    return False
