"""The NAT targets' range grammar and texts (libxt_NAT.c ``parse_to``/``parse_ports``/
``sprint_range``/``__NAT_print``), shared by DNAT, SNAT, MASQUERADE and REDIRECT.

``--to-destination [addr[-addr]][:port[-port[/base]]]`` becomes a
:class:`~nflab.netfilter.natrange.NatRange`. The messages and the odd corners
are those of iptables 1.8.9: a port needs ``-p tcp|udp|sctp|dccp|icmp`` given
*before* the option; two colons mean "IPv6, no port"; a colon in the third
character (``10:80``) is taken as ``[]:port`` and maps no address.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address
from typing import Any, ClassVar

from ..netfilter.natrange import NatFlag, NatRange
from .cnum import xtables_strtoul
from .errors import KernelRejected, ParameterProblem
from .extension import RuleContext, Show, TargetExtension
from .names import Names
from .xtoptions import Call, Opt, OptType, generic_parse

# ``__NAT_parse``: the protocols whose ports (ICMP: ids) a NAT range may give
PORT_PROTOS = frozenset({6, 17, 132, 33, 1})
_NEED_PROTO = "Need TCP, UDP, SCTP or DCCP with port specification"


def _port(text: str, lo: int, names: Names) -> tuple[int, str]:
    """``xtables_strtoui(arg, &end, ...)``, else the whole text as a service name."""
    value, rest = xtables_strtoul(text, lo, 0xFFFF, partial=True)
    if value is not None:
        return value, rest
    port = names.port_by_name(text)
    if port is None:
        raise ParameterProblem(f"Port `{text}' not valid")
    return port, ""


def parse_ports(arg: str, portok: bool, names: Names, rng: NatRange) -> NatRange:
    """``parse_ports``: ``port[-port[/base]]``; service names only for single ports
    and the base."""
    if not portok:
        raise ParameterProblem(_NEED_PROTO)
    flags = rng.flags | NatFlag.PROTO_SPECIFIED
    port, end = _port(arg, 0, names)
    if end == "":
        return replace(rng, flags=flags, min_proto=port, max_proto=port)
    if end[0] == ":":
        raise ParameterProblem("Invalid port:port syntax - use dash")
    if end[0] != "-":
        raise ParameterProblem(f"Garbage after port value: `{end}'")
    arg = end[1:]
    maxport, end = xtables_strtoul(arg, 0, 0xFFFF, partial=True)
    if maxport is None:
        raise ParameterProblem(f"Port `{arg}' not valid")
    if maxport < port:
        raise ParameterProblem(f"Port range `{arg}' funky")
    rng = replace(rng, flags=flags, min_proto=port, max_proto=maxport)
    if end == "":
        return rng
    if end[0] != "/":
        raise ParameterProblem(f"Garbage after port range: `{end}'")
    base, _ = _port(end[1:], 1, names)  # trailing garbage after the base is not checked
    return replace(rng, flags=rng.flags | NatFlag.PROTO_OFFSET, base_proto=base)


def inet_pton4(text: str) -> IPv4Address | None:
    """glibc ``inet_pton(AF_INET)``: exactly four decimal octets, no leading zeros."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    octets = []
    for part in parts:
        if not part or not part.isascii() or not part.isdigit():
            return None
        if len(part) > 1 and part[0] == "0" or int(part) > 255:
            return None
        octets.append(int(part))
    return IPv4Address(bytes(octets))


def parse_to(arg: str, portok: bool, names: Names, rng: NatRange) -> NatRange:
    """``parse_to``: ``[addr[-addr]][:ports]`` into ``rng``."""
    if "[" in arg:
        raise ParameterProblem("Invalid address format")  # brackets are for IPv6 only
    colon = arg.find(":")
    if colon >= 0 and ":" in arg[colon + 1 :]:
        colon = -1  # more than one colon: an IPv6 address, no port
    address = arg
    if colon >= 0:
        rng = parse_ports(arg[colon + 1 :], portok, names, rng)
        if colon in (0, 2):
            return rng  # ":port" (and, by the ``[]:port`` test, any "xy:port")
        address = arg[:colon]
    first, dash, last = address.partition("-")
    low = inet_pton4(first)
    if low is None:
        raise ParameterProblem(f'Bad IP address "{first}"')
    high = low
    if dash:
        high_addr = inet_pton4(last)
        if high_addr is None:
            raise ParameterProblem(f'Bad IP address "{last}"')
        high = high_addr
    return replace(rng, flags=rng.flags | NatFlag.MAP_IPS, min_addr=low, max_addr=high)


def range_text(rng: NatRange) -> str:
    """``sprint_range``: ``addr[-addr]`` then ``:port[-port][/base]``."""
    out = ""
    if rng.flags & NatFlag.MAP_IPS:
        out = str(rng.min_addr)
        if rng.max_addr != rng.min_addr:
            out += f"-{rng.max_addr}"
    if rng.flags & NatFlag.PROTO_SPECIFIED:
        out += f":{rng.min_proto}"
        if rng.max_proto != rng.min_proto:
            out += f"-{rng.max_proto}"
        if rng.flags & NatFlag.PROTO_OFFSET:
            out += f"/{rng.base_proto}"
    return out


def nat_text(rng: NatRange, rangeopt: str, flag_prefix: str, skip_colon: bool) -> str:
    """``__NAT_print``: the range after ``rangeopt``, then the flags in fixed order."""
    out = ""
    text = range_text(rng)
    if text:
        if skip_colon and text.startswith(":"):
            text = text[1:]
        out += f" {rangeopt}{text}"
    for flag, name in (
        (NatFlag.PROTO_RANDOM, "random"),
        (NatFlag.PROTO_RANDOM_FULLY, "random-fully"),
        (NatFlag.PERSISTENT, "persistent"),
    ):
        if rng.flags & flag:
            out += f" {flag_prefix}{name}"
    return out


_FLAG_OPTIONS = {
    "random": NatFlag.PROTO_RANDOM,
    "random-fully": NatFlag.PROTO_RANDOM_FULLY,
    "persistent": NatFlag.PERSISTENT,
}


def flag_options(*names: str) -> tuple[Opt, ...]:
    """``--random``, ``--random-fully``, ``--persistent`` entries, as a target lists them."""
    return tuple(Opt(name) for name in names)


class NatTarget(TargetExtension):
    """What DNAT, SNAT, MASQUERADE and REDIRECT share: the option parse
    (``__NAT_parse``), the value (a :class:`NatRange`) and its texts.

    ``compat`` targets store ``struct nf_nat_ipv4_multi_range_compat``, which
    has no base port: ``/base`` parses but reads back as ``/0``.
    """

    range_option: ClassVar[str]  # "to-destination", "to-source" or "to-ports"
    list_label: ClassVar[str]  # what ``-L`` prints before the range
    skip_colon: ClassVar[bool] = False  # a ports-only range prints without its colon
    compat: ClassVar[bool] = True
    map_ips_allowed: ClassVar[bool] = True
    tables = frozenset({"nat"})
    needs_conntrack = True

    def parse(self, call: Call) -> None:
        generic_parse(call)
        rng: NatRange = call.data.get("range", NatRange())
        key = call.opt.id
        portok = call.proto in PORT_PROTOS  # the -p given before this option
        if key == "to-ports":
            rng = parse_ports(call.arg or "", portok, call.names, rng)
        elif key in _FLAG_OPTIONS:
            rng = replace(rng, flags=rng.flags | _FLAG_OPTIONS[key])
        else:
            rng = parse_to(call.arg or "", portok, call.names, rng)
        call.data["range"] = rng

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> NatRange:
        rng: NatRange = data.get("range", NatRange())
        if self.compat:
            rng = replace(rng, base_proto=0)
        return rng

    def save(self, value: NatRange, show: Show) -> str:
        return nat_text(value, f"--{self.range_option} ", "--", self.skip_colon)

    def print(self, value: NatRange, show: Show) -> str:
        return nat_text(value, self.list_label, "", self.skip_colon)

    def check(self, value: NatRange, rule: RuleContext) -> None:
        # masquerade_tg_check / redirect_tg4_check: they choose the address themselves
        if not self.map_ips_allowed and value.flags & NatFlag.MAP_IPS:
            raise KernelRejected("EINVAL")


def nat_option(name: str, mand: bool = False) -> Opt:
    """The ``--to-*`` entry of a NAT target (a string parsed by :func:`parse_to`/:func:`parse_ports`)."""
    return Opt(name, OptType.STRING, mand=mand)


__all__ = [
    "PORT_PROTOS",
    "NatTarget",
    "flag_options",
    "inet_pton4",
    "nat_text",
    "parse_ports",
    "parse_to",
    "nat_option",
    "range_text",
]
