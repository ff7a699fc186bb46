"""``-m tcp`` (libxt_tcp.c, kernel xt_tcpudp.c): ports, flags, options.

An old-API extension: its own messages (``Only one `--source-port' allowed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.ports import parse_port_range, print_ports
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

TCP_FLAGS = (("FIN", 0x01), ("SYN", 0x02), ("RST", 0x04), ("PSH", 0x08), ("ACK", 0x10), ("URG", 0x20))
_FLAG_NAMES = dict(TCP_FLAGS) | {"ALL": 0x3F, "NONE": 0}


def parse_tcp_flags(text: str) -> int:
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

    spts: tuple[int, int] = (0, 0xFFFF)
    dpts: tuple[int, int] = (0, 0xFFFF)
    option: int = 0
    flg_mask: int = 0
    flg_cmp: int = 0
    inv: frozenset[str] = frozenset()


def _raw(name: str, key: str, takes_arg: bool = True) -> Opt:
    return Opt(name, OptType.STRING if takes_arg else OptType.NONE, key=key, raw=True)


@register
class TcpMatch(MatchExtension):
    name = "tcp"
    proto = 6
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
            from ..iptables.cnum import strtoui

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
            spts=data.get("spts", (0, 0xFFFF)),
            dpts=data.get("dpts", (0, 0xFFFF)),
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
        for opt, (lo, hi), key in (("--sport", value.spts, "sport"), ("--dport", value.dpts, "dport")):
            if lo != 0 or hi != 0xFFFF:
                out += " !" if key in value.inv else ""
                out += f" {opt} {lo}:{hi}" if lo != hi else f" {opt} {lo}"
        if value.option or "option" in value.inv:
            out += (" !" if "option" in value.inv else "") + f" --tcp-option {value.option}"
        if value.flg_mask or "flags" in value.inv:
            out += " !" if "flags" in value.inv else ""
            out += f" --tcp-flags {tcp_flags_text(value.flg_mask)} {tcp_flags_text(value.flg_cmp)}"
        return out

    def matches(self, value: Tcp, skb: Skb, env: Env) -> bool:
        """xt_tcpudp ``tcp_mt``: ports in range, flags under mask, options present."""
        seg = skb.packet.tcp
        if seg is None:
            return False
        if (value.spts[0] <= seg.sport <= value.spts[1]) == ("sport" in value.inv):
            return False
        if (value.dpts[0] <= seg.dport <= value.dpts[1]) == ("dport" in value.inv):
            return False
        if ((seg.flags & value.flg_mask) == value.flg_cmp) == ("flags" in value.inv):
            return False
        if value.option:
            present = value.option in seg.option_kinds()
            if present == ("option" in value.inv):
                return False
        return True

