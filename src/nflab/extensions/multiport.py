"""``-m multiport`` revision 1 (libxt_multiport.c, kernel xt_multiport.c).

Up to 15 ports, a range ``a:b`` taking two of them. The ports are parsed as
services of the rule's protocol (``-p`` must come first) and ``-L`` shows
service names of that protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.ports import parse_port, port_text
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

MULTI_PORTS = 15  # XT_MULTI_PORTS
PROTO_NAMES = {6: "tcp", 17: "udp", 136: "udplite", 132: "sctp", 33: "dccp"}


def _check_proto(proto: int, proto_invert: bool) -> str:
    """``check_proto``: the service protocol name for the rule's ``-p``."""
    if proto_invert:
        raise ParameterProblem("multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP")
    name = PROTO_NAMES.get(proto)
    if name is not None:
        return name
    if proto == 0:
        raise ParameterProblem(
            "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'"
        )
    raise ParameterProblem("multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP")


def parse_multi_ports(text: str, proto: str, call: Call) -> tuple[tuple[int, int], ...]:
    """``parse_multi_ports_v1``: comma-separated ports and ranges, at most 15 slots."""
    items: list[tuple[int, int]] = []
    slots = 0
    for part in text.split(","):
        if slots >= MULTI_PORTS:
            raise ParameterProblem("too many ports specified")
        first, colon, second = part.partition(":")
        if colon and slots == MULTI_PORTS - 1:
            raise ParameterProblem("too many ports specified")
        lo = parse_port(first, proto, call.names)
        if colon:
            hi = parse_port(second, proto, call.names)
            if lo >= hi:
                raise ParameterProblem("invalid portrange specified")
            items.append((lo, hi))
            slots += 2
        else:
            items.append((lo, lo))
            slots += 1
    return tuple(items)


@dataclass(frozen=True, slots=True)
class Multiport:
    """``struct xt_multiport_v1``: ``direction`` is sports, dports or ports (the option id,
    also the word ``-L`` prints); ``ranges`` are (lo, hi), a single port has lo == hi."""

    direction: str
    ranges: tuple[tuple[int, int], ...]
    invert: bool = False


def _opts() -> tuple[Opt, ...]:
    excl = ("sports", "dports", "ports")
    return tuple(
        Opt(name, OptType.STRING, key=key, invert=True, excl=excl)
        for name, key in (
            ("source-ports", "sports"),
            ("sports", "sports"),
            ("destination-ports", "dports"),
            ("dports", "dports"),
            ("ports", "ports"),
        )
    )


@register
class MultiportMatch(MatchExtension):
    name = "multiport"
    revision = 1
    options = _opts()

    def parse(self, call: Call) -> None:
        generic_parse(call)
        proto = _check_proto(call.proto, call.proto_invert)
        assert call.arg is not None
        call.data["value"] = Multiport(
            call.opt.id, parse_multi_ports(call.arg, proto, call), call.invert
        )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Multiport:
        if not seen:
            raise ParameterProblem("multiport expection an option")
        value: Multiport = data["value"]
        return value

    def _ports(self, value: Multiport, show: Show) -> str:
        proto = PROTO_NAMES.get(show.proto, "")
        texts = []
        for lo, hi in value.ranges:
            text = port_text(lo, show, proto)
            if lo != hi:
                text += ":" + port_text(hi, show, proto)
            texts.append(text)
        return ",".join(texts)

    def print(self, value: Multiport, show: Show) -> str:
        inv = " !" if value.invert else ""
        return f" multiport {value.direction} {inv}{self._ports(value, show)}"

    def save(self, value: Multiport, show: Show) -> str:
        inv = " !" if value.invert else ""
        numeric = Show(True, show.names, show.proto)
        return f"{inv} --{value.direction} {self._ports(value, numeric)}"

    def check(self, value: Multiport, rule: RuleContext) -> None:
        """``multiport_mt_check``: a port protocol, not inverted."""
        if rule.proto not in PROTO_NAMES or rule.proto_invert:
            raise KernelRejected("EINVAL")

    def matches(self, value: Multiport, skb: Skb, env: Env) -> bool:
        """``ports_match_v1``: the first listed port or range that matches decides."""
        if skb.fragoff:
            return False
        ports = transport_ports(skb)
        if ports is None:  # a truncated header: the kernel drops the packet
            skb.hotdrop = True
            return False
        sport, dport = ports
        for lo, hi in value.ranges:
            src = lo <= sport <= hi
            dst = lo <= dport <= hi
            if value.direction == "sports" and src or value.direction == "dports" and dst:
                return not value.invert
            if value.direction == "ports" and (src or dst):
                return not value.invert
        return value.invert


def transport_ports(skb: Skb) -> tuple[int, int] | None:
    """The first four bytes of the transport header as (source, destination) port."""
    l4 = skb.packet.l4
    if l4 is not None:
        sport, dport = getattr(l4, "sport", None), getattr(l4, "dport", None)
        if sport is None or dport is None:
            return None
        return sport, dport
    raw = skb.transport_header(4)
    if raw is None:
        return None
    return int.from_bytes(raw[:2], "big"), int.from_bytes(raw[2:4], "big")
