"""``-j TCPOPTSTRIP`` (libxt_TCPOPTSTRIP.c, kernel xt_TCPOPTSTRIP.c): overwrite chosen
TCP options with NOPs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..iptables.cnum import strtoui
from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict
from ..packet.headers import TcpOption

# ``tcp_optionmap``: the names the option accepts (and ``-L`` shows), in table order
OPTION_NAMES = (
    ("wscale", 3),
    ("mss", 2),
    ("sack-permitted", 4),
    ("sack", 5),
    ("timestamp", 8),
    ("md5", 19),
)
_BY_NAME = dict(OPTION_NAMES)
_BY_KIND = {kind: name for name, kind in OPTION_NAMES}


def parse_option_list(arg: str) -> frozenset[int]:
    """``parse_list``: names or numbers 2-255, comma separated, each at most once."""
    kinds: set[int] = set()
    for word in arg.split(","):
        kind = _BY_NAME.get(word) or strtoui(word, 0, 255)
        if kind is None:
            raise ParameterProblem(f'Bad TCP option value "{word}"')
        if kind < 2:
            raise ParameterProblem("Option value may not be 0 or 1")
        if kind in kinds:
            raise ParameterProblem(f'Option "{word}" already specified')
        kinds.add(kind)
    return frozenset(kinds)


def _list_text(kinds: frozenset[int], numeric: bool) -> str:
    return ",".join(str(k) if numeric or k not in _BY_KIND else _BY_KIND[k] for k in sorted(kinds))


@register
class TcpoptstripTarget(TargetExtension):
    name = "TCPOPTSTRIP"
    tables = frozenset({"mangle"})
    proto = 6
    options = (Opt("strip-options", OptType.STRING),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        call.data["kinds"] = parse_option_list(call.arg or "")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> frozenset[int]:
        kinds: frozenset[int] = data.get("kinds", frozenset())
        return kinds

    def print(self, value: frozenset[int], show: Show) -> str:
        # an empty bitmap prints nothing at all, not even the target's name
        return f" TCPOPTSTRIP options {_list_text(value, show.numeric)}" if value else ""

    def save(self, value: frozenset[int], show: Show) -> str:
        return f" --strip-options {_list_text(value, True)}" if value else ""

    def target(self, value: frozenset[int], skb: Skb, env: Env) -> XtVerdict:
        """``tcpoptstrip_mangle_packet``: every byte of a listed option becomes a NOP."""
        packet = skb.packet
        if packet.ip.frag_offset:
            return XtVerdict.CONTINUE
        seg = packet.tcp
        if seg is None:
            return XtVerdict.DROP
        options: list[TcpOption] = []
        for opt in seg.options:
            if opt.kind in value:
                options.extend([TcpOption(1)] * (2 + len(opt.data)))
            else:
                options.append(opt)
        if len(options) != len(seg.options):
            skb.packet = replace(packet, l4=replace(seg, options=tuple(options)))
        return XtVerdict.CONTINUE
