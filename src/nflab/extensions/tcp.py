"""``-m tcp`` (libxt_tcp.c, kernel xt_tcpudp.c): ports, flags, options.

An old-API extension: its own messages (``Only one `--source-port' allowed``).
iptables-nft stores ports and flags as native expressions
(:mod:`nflab.iptables.nft_native`), which is why it merges repeated tcp matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..iptables.cnum import strtoui
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.nft_native import PortCmp, decode_ports, encode_ports, ports_read_back_same
from ..iptables.ports import FULL_RANGE, in_range, parse_port_range, print_ports, save_ports
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

TCP_FLAGS = (("FIN", 0x01), ("SYN", 0x02), ("RST", 0x04), ("PSH", 0x08), ("ACK", 0x10), ("URG", 0x20))
_FLAG_NAMES = dict(TCP_FLAGS) | {"ALL": 0x3F, "NONE": 0}
IPPROTO_TCP = 6


def parse_tcp_flags(text: str) -> int:
    """``parse_tcp_flag``: comma-separated names, case-insensitive (strtok skips empty words)."""
    value = 0
    for word in (w for w in text.split(",") if w):
        flag = _FLAG_NAMES.get(word.upper())
        if flag is None:
            raise ParameterProblem(f"Unknown TCP flag `{word}'")
        value |= flag
    return value


def tcp_flags_text(flags: int) -> str:
    """``print_tcpf``: names in FIN,SYN,RST,PSH,ACK,URG order, ``NONE`` for 0."""
    names = [name for name, bit in TCP_FLAGS if flags & bit]
    return ",".join(names) if names else "NONE"


@dataclass(frozen=True, slots=True)
class Tcp:
    """``struct xt_tcp``; ``inv`` holds ``sport dport option flags``."""

    spts: tuple[int, int] = FULL_RANGE
    dpts: tuple[int, int] = FULL_RANGE
    option: int = 0
    flg_mask: int = 0
    flg_cmp: int = 0
    inv: frozenset[str] = frozenset()
    joint: bool = field(default=False, compare=False)  # see udp.Udp.joint


_NOTHING = Tcp()  # a match comparing nothing


@dataclass(frozen=True, slots=True)
class TcpFlagsCmp:
    """iptables-nft's native form of ``--tcp-flags``: ``tcp flags & mask ==/!= cmp``."""

    mask: int
    cmp: int
    invert: bool


def _raw(name: str, key: str, takes_arg: bool = True) -> Opt:
    return Opt(name, OptType.STRING if takes_arg else OptType.NONE, key=key, raw=True)


@register
class TcpMatch(MatchExtension):
    name = "tcp"
    proto = IPPROTO_TCP
    options = (
        _raw("source-port", "sport"),
        _raw("sport", "sport"),
        _raw("destination-port", "dport"),
        _raw("dport", "dport"),
        _raw("syn", "flags-syn", takes_arg=False),
        _raw("tcp-flags", "flags"),
        _raw("tcp-option", "option"),
    )

    def parse(self, call: Call) -> None:
        d, seen = call.data, call.seen
        key = call.opt.id
        arg = call.arg or ""
        if key == "sport":
            if "sport" in seen:
                raise ParameterProblem("Only one `--source-port' allowed")
            d["spts"] = parse_port_range(arg, "tcp", call.names)
        elif key == "dport":
            if "dport" in seen:
                raise ParameterProblem("Only one `--destination-port' allowed")
            d["dpts"] = parse_port_range(arg, "tcp", call.names)
        elif key in ("flags-syn", "flags"):
            if "flags" in seen:
                raise ParameterProblem("Only one of `--syn' or `--tcp-flags'  allowed")
            if key == "flags-syn":
                d["flags"] = (parse_tcp_flags("SYN,RST,ACK,FIN"), parse_tcp_flags("SYN"))
            else:
                cursor = call.cursor
                assert cursor is not None
                if cursor.optind >= len(cursor.argv) or cursor.argv[cursor.optind].startswith(("-", "!")):
                    raise ParameterProblem("--tcp-flags requires two args.")
                d["flags"] = (parse_tcp_flags(arg), parse_tcp_flags(cursor.take()))
            key = "flags"
        elif key == "option":
            if "option" in seen:
                raise ParameterProblem("Only one `--tcp-option' allowed")
            value = strtoui(arg, 1, 255)
            if value is None:
                raise ParameterProblem(f'Bad TCP option "{arg}"')
            d["option"] = value
        if call.invert:
            d.setdefault("inv", set()).add(key)
        seen.add(key)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Tcp:
        mask, cmp = data.get("flags", (0, 0))
        return Tcp(
            spts=data.get("spts", FULL_RANGE),
            dpts=data.get("dpts", FULL_RANGE),
            option=data.get("option", 0),
            flg_mask=mask,
            flg_cmp=cmp,
            inv=frozenset(data.get("inv", ())),
        )

    def print(self, value: Tcp, show: Show) -> str:
        out = " tcp"
        out += print_ports("spt", value.spts, "sport" in value.inv, show, "tcp")
        out += print_ports("dpt", value.dpts, "dport" in value.inv, show, "tcp")
        if value.option or "option" in value.inv:
            out += f" option={'!' if 'option' in value.inv else ''}{value.option}"
        if value.flg_mask or "flags" in value.inv:
            out += f" flags:{'!' if 'flags' in value.inv else ''}"
            if show.numeric:
                out += f"0x{value.flg_mask:02X}/0x{value.flg_cmp:02X}"
            else:
                out += f"{tcp_flags_text(value.flg_mask)}/{tcp_flags_text(value.flg_cmp)}"
        return out

    def save(self, value: Tcp, show: Show) -> str:
        out = ""
        if value.spts != FULL_RANGE:
            out += save_ports("--sport", value.spts, "sport" in value.inv)
        if value.dpts != FULL_RANGE:
            out += save_ports("--dport", value.dpts, "dport" in value.inv)
        if value.option or "option" in value.inv:
            out += (" !" if "option" in value.inv else "") + f" --tcp-option {value.option}"
        if value.flg_mask or "flags" in value.inv:
            out += " !" if "flags" in value.inv else ""
            out += f" --tcp-flags {tcp_flags_text(value.flg_mask)} {tcp_flags_text(value.flg_cmp)}"
        return out

    def nft_native(self, value: Tcp, proto: int) -> tuple[Any, ...] | None:
        """``add_nft_tcp``: an option test, or a match comparing nothing, stays an xt match."""
        if value.option or "option" in value.inv or value == _NOTHING:
            return None
        if proto != IPPROTO_TCP:
            raise ParameterProblem("TCP match requires '-p tcp'")
        flags = [TcpFlagsCmp(value.flg_mask, value.flg_cmp, "flags" in value.inv)]
        return (*(flags if value.flg_mask else []), *encode_ports(value))

    def nft_reads_back_same(self, value: Tcp, proto: int) -> bool:
        """An option test keeps the xt match; a flags compare (a mask) reads back whole, no
        mask compares nothing (``--tcp-flags NONE SYN`` reads back without flags)."""
        if value.option or "option" in value.inv:
            return True
        flags_kept = value.flg_mask or (not value.flg_cmp and "flags" not in value.inv)
        return proto == IPPROTO_TCP and bool(flags_kept) and ports_read_back_same(value)

    def nft_decode(self, value: Tcp | None, expr: TcpFlagsCmp | PortCmp) -> Tcp:
        base = value if value is not None else _NOTHING
        if isinstance(expr, TcpFlagsCmp):  # ``nft_parse_tcp_flags``
            inv = base.inv | {"flags"} if expr.invert else base.inv
            return replace(base, flg_mask=expr.mask, flg_cmp=expr.cmp, inv=inv)
        return decode_ports(base, expr)

    def port_bounds(self, value: Tcp) -> tuple[tuple[int, int], tuple[int, int]]:
        """The ports a packet needs (an inverted range: any port)."""
        return (
            FULL_RANGE if "sport" in value.inv else value.spts,
            FULL_RANGE if "dport" in value.inv else value.dpts,
        )

    def matches(self, value: Tcp, skb: Skb, env: Env) -> bool:
        """xt_tcpudp ``tcp_mt``: ports in range, flags under mask, options present."""
        if skb.fragoff:
            # "Don't allow a fragment of TCP 8 bytes in": offset 1 could overwrite the flags
            skb.hotdrop = skb.hotdrop or skb.fragoff == 1
            return False
        seg = skb.packet.tcp
        if seg is None:  # a truncated header: the kernel drops the packet
            skb.hotdrop = True
            return False
        if value.joint:
            if (seg.sport, seg.dport) == (value.spts[0], value.dpts[0]):
                return False
        elif in_range(seg.sport, value.spts) == ("sport" in value.inv) or in_range(
            seg.dport, value.dpts
        ) == ("dport" in value.inv):
            return False
        if ((seg.flags & value.flg_mask) == value.flg_cmp) == ("flags" in value.inv):
            return False
        if value.option:
            present = value.option in seg.option_kinds()
            if present == ("option" in value.inv):
                return False
        return True
