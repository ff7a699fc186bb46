"""``-m policy`` (libxt_policy.c, kernel xt_policy.c): the IPsec policy of a packet."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..iptables.addresses import mask_suffix, plen_mask
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb
from .conntrack import Addr

XT_POLICY_MAX_ELEM = 4
_IPSEC_PROTOS = (51, 50, 108)  # ah, esp, ipcomp


@dataclass(frozen=True, slots=True)
class PolicyElem:
    """``struct xt_policy_elem``: None = not matched on; ``inv`` names inverted fields."""

    reqid: int | None = None
    spi: int | None = None
    proto: int | None = None
    mode: str | None = None  # "transport" | "tunnel"
    daddr: Addr | None = None
    saddr: Addr | None = None
    inv: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return all(
            getattr(self, k) is None for k in ("reqid", "spi", "proto", "mode", "daddr", "saddr")
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """``struct xt_policy_info``."""

    dir_in: bool
    dir_out: bool
    none: bool = False
    strict: bool = False
    elems: tuple[PolicyElem, ...] = ()


_ELEM_KEYS = {
    "reqid": "reqid",
    "spi": "spi",
    "proto": "proto",
    "mode": "mode",
    "tunnel-src": "saddr",
    "tunnel-dst": "daddr",
}


def _multi(name: str, type_: OptType) -> Opt:
    return Opt(name, type_, multi=True, invert=True)


@register
class PolicyMatch(MatchExtension):
    name = "policy"
    options = (
        Opt("dir", OptType.STRING),
        Opt("pol", OptType.STRING),
        Opt("strict", OptType.NONE),
        _multi("reqid", OptType.UINT32),
        _multi("spi", OptType.UINT32),
        _multi("tunnel-src", OptType.HOSTMASK),
        _multi("tunnel-dst", OptType.HOSTMASK),
        _multi("proto", OptType.PROTOCOL),
        _multi("mode", OptType.STRING),
        Opt("next", OptType.NONE, multi=True, also=("strict",)),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        elems: list[PolicyElem] = d.setdefault("elems", [PolicyElem()])
        if key == "dir":
            if arg not in ("in", "out"):
                raise ParameterProblem(f'policy_match: invalid dir "{arg}"')
            d["dir_" + arg] = True
        elif key == "pol":
            if arg not in ("none", "ipsec"):
                raise ParameterProblem(f'policy match: invalid policy "{arg}"')
            d["none"] = d.get("none", False) or arg == "none"
        elif key == "next":
            if len(elems) == XT_POLICY_MAX_ELEM:
                raise ParameterProblem("policy match: maximum policy depth reached")
            elems.append(PolicyElem())
        elif key in _ELEM_KEYS:
            field = _ELEM_KEYS[key]
            elem = elems[-1]
            if getattr(elem, field) is not None:
                raise ParameterProblem(f"policy match: double --{key} option")
            value: Any = call.value
            if key == "proto" and value not in _IPSEC_PROTOS:
                raise ParameterProblem("policy match: protocol must be ah/esp/ipcomp")
            if key == "mode":
                if arg not in ("transport", "tunnel"):
                    raise ParameterProblem(f'policy match: invalid mode "{arg}"')
                value = arg
            if field in ("saddr", "daddr"):
                value = (value[0], plen_mask(value[1]))
            inv = elem.inv | {field} if call.invert else elem.inv
            elems[-1] = replace(elem, **{field: value}, inv=inv)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Policy:
        """``policy_check``."""
        if not (data.get("dir_in") or data.get("dir_out")):
            raise ParameterProblem("policy match: neither --dir in nor --dir out specified")
        elems: list[PolicyElem] = data.get("elems", [PolicyElem()])
        strict = "strict" in seen
        if data.get("none"):
            if strict:
                raise ParameterProblem("policy match: policy none but --strict given")
            if len(elems) > 1:
                raise ParameterProblem("policy match: policy none but policy given")
            elems = []  # len stays 0: whatever was given for element 0 is dropped
        for i, e in enumerate(elems):
            if strict and e.empty:
                raise ParameterProblem(
                    f"policy match: empty policy element {i}. --strict is in effect, but at "
                    "least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required."
                )
            mode = e.mode or "transport"  # an unset mode is 0, XT_POLICY_MODE_TRANSPORT
            if (e.saddr or e.daddr) and (
                (mode == "tunnel" and "mode" in e.inv)
                or (mode == "transport" and "mode" not in e.inv)
            ):
                raise ParameterProblem(
                    "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode"
                )
        return Policy(
            bool(data.get("dir_in")),
            bool(data.get("dir_out")),
            bool(data.get("none")),
            strict,
            tuple(elems),
        )

    def _flags(self, value: Policy, prefix: str) -> str:
        out = f" {prefix}dir {'in' if value.dir_in else 'out'}"
        out += f" {prefix}pol {'none' if value.none else 'ipsec'}"
        return out + (f" {prefix}strict" if value.strict else "")

    def _elem(self, e: PolicyElem, prefix: str, show: Show) -> str:
        def neg(key: str) -> str:
            return " !" if key in e.inv else ""

        out = ""
        if e.reqid is not None:
            out += f"{neg('reqid')} {prefix}reqid {e.reqid}"
        if e.spi is not None:
            out += f"{neg('spi')} {prefix}spi 0x{e.spi:x}"
        if e.proto is not None:
            name = None if show.numeric else show.names.proto_name(e.proto)
            out += f"{neg('proto')} {prefix}proto {name or e.proto}"
        if e.mode is not None:
            out += f"{neg('mode')} {prefix}mode {e.mode}"
        for key, addr in (("tunnel-dst", e.daddr), ("tunnel-src", e.saddr)):
            if addr is not None:
                out += f"{neg(_ELEM_KEYS[key])} {prefix}{key} {addr[0]}{mask_suffix(addr[1])}"
        return out

    def save(self, value: Policy, show: Show) -> str:
        # policy4_save prints protocols by name (numeric=false)
        named = Show(False, show.names, show.proto)
        parts = [self._elem(e, "--", named) for e in value.elems]
        return self._flags(value, "--") + " --next".join(parts)

    def print(self, value: Policy, show: Show) -> str:
        out = " policy match" + self._flags(value, "")
        for i, e in enumerate(value.elems):
            out += (f" [{i}]" if len(value.elems) > 1 else "") + self._elem(e, "", show)
        return out

    def check(self, value: Policy, rule: RuleContext) -> None:
        """``policy_mt_check``: the direction must fit the hooks."""
        if value.dir_out and rule.hooks & {"PREROUTING", "INPUT"}:
            raise KernelRejected("EINVAL", "output policy not valid in PREROUTING and INPUT")
        if value.dir_in and rule.hooks & {"POSTROUTING", "OUTPUT"}:
            raise KernelRejected("EINVAL", "input policy not valid in POSTROUTING and OUTPUT")

    def matches(self, value: Policy, skb: Skb, env: Env) -> bool:
        """``policy_mt``: nflab has no IPsec, so no packet has a security path (input) or
        an xfrm bundle (output): ``match_policy_in/out`` return -1, and only
        ``--pol none`` matches."""
        return value.none
