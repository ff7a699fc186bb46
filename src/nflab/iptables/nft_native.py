"""How iptables-nft stores a rule: some matches become native nf_tables expressions.

iptables-nft 1.8.9 (``nft.c: add_match``) does not hand ``-m tcp``/``-m udp``
to the kernel as xt matches when it can express them natively: port ranges
and tcp flags become payload loads with ``cmp``/``range`` compares
(``add_nft_tcpudp``). Listing or deleting a rule decodes the kernel's
expressions again (``nft-shared.c: nft_parse_transport``), and that decoder
folds *every* native port/flag compare of a protocol into one match. Hence the
differences from iptables-legacy (conformance README section 7):

* ``-p tcp -m tcp --dport 22 -m tcp --sport 1000`` reads back as one match,
  ``-p tcp -m tcp --sport 1000 --dport 22``;
* ``-p tcp -m tcp ! --sport :`` compares nothing and reads back as ``-p tcp``;
* ``! --sport :1023`` is stored as ``sport > 1023`` and reads back as
  ``--sport 1024:65535``;
* ``-i +`` compares nothing and reads back as no interface;
* a native match needs its protocol (``TCP match requires '-p tcp'``) but has
  no kernel ``checkentry`` (``! -p tcp -m tcp --dport 1`` is accepted).

The nft backend applies :func:`nft_readback` to a rule where iptables-nft
builds its kernel rule (append, insert, replace, and the rule a delete or
check compares with); the rule stored is what a later read shows. An extension
takes part by implementing ``nft_native``/``nft_decode`` (tcp and udp do).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from ..values import evolve
from .errors import KernelRejected
from .extension import find_match, find_target
from .rule import MatchEntry, Rule, TargetEntry

MAX_PORT = 0xFFFF


@dataclass(frozen=True, slots=True)
class PortCmp:
    """A compare on the transport header's ports.

    ``field`` is ``sport``, ``dport`` or ``both`` (one 32-bit compare of the
    two ports: ``lo`` is the source port, ``hi`` the destination port). ``op``
    is a ``cmp`` operator (``eq neq lte gt``) or ``range``/``nrange``.
    """

    field: str
    op: str
    lo: int
    hi: int


class PortValue(Protocol):
    """A tcp or udp value (frozen: read-only attributes)."""

    @property
    def spts(self) -> tuple[int, int]: ...

    @property
    def dpts(self) -> tuple[int, int]: ...

    @property
    def inv(self) -> frozenset[str]: ...

    @property
    def joint(self) -> bool: ...


P = TypeVar("P", bound=PortValue)


def _range_cmp(field: str, lo: int, hi: int, invert: bool) -> PortCmp:
    """``expr_gen_range_cmp16``: one port, an upper bound, or a range."""
    if lo == hi:
        return PortCmp(field, "neq" if invert else "eq", lo, lo)
    if lo == 0 and hi < MAX_PORT:
        return PortCmp(field, "gt" if invert else "lte", hi, hi)
    return PortCmp(field, "nrange" if invert else "range", lo, hi)


def encode_ports(value: PortValue) -> list[PortCmp]:
    """``add_nft_tcpudp``: the compares for a match's source and destination ranges."""
    (slo, shi), (dlo, dhi) = value.spts, value.dpts
    sinv, dinv = "sport" in value.inv, "dport" in value.inv
    if slo and slo == shi and dlo and dlo == dhi and sinv == dinv:
        return [PortCmp("both", "neq" if sinv else "eq", slo, dlo)]
    out = []
    if slo or shi < MAX_PORT:
        out.append(_range_cmp("sport", slo, shi, sinv))
    if dlo or dhi < MAX_PORT:
        out.append(_range_cmp("dport", dlo, dhi, dinv))
    return out


def _single(ports: tuple[int, int], op: str, port: int) -> tuple[tuple[int, int], bool]:
    """``port_match_single_to_range``: a cmp on one port as a range (and its inversion)."""
    lo, hi = ports
    if op in ("eq", "neq"):
        return (port, port), op == "neq"
    if op == "lte":
        return (lo, port), False
    # "gt": the inversion is lost, ``! --sport :1023`` reads back as ``--sport 1024:65535``
    return (min(port + 1, MAX_PORT), hi), False


def decode_ports(value: P, expr: PortCmp) -> P:
    """Fold one port compare into a tcp/udp value, as ``nft_parse_tcp[_range]`` do."""
    spts, dpts, inv, joint = value.spts, value.dpts, value.inv, value.joint
    field, op = expr.field, expr.op
    if op == "range" or op == "nrange":
        if field == "sport":
            spts = (expr.lo, expr.hi)
        else:
            dpts = (expr.lo, expr.hi)
        if op == "nrange":
            inv = inv | {field}
    elif field == "both":
        spts, dpts = (expr.lo, expr.lo), (expr.hi, expr.hi)
        if op == "neq":
            inv = inv | {"sport", "dport"}
            joint = True  # one compare of the pair: "not both", not "neither"
    else:
        ports, inverted = _single(spts if field == "sport" else dpts, op, expr.lo)
        if field == "sport":
            spts = ports
        else:
            dpts = ports
        if inverted:
            inv = inv | {field}
    return evolve(value, spts=spts, dpts=dpts, inv=inv, joint=joint)


def nft_readback(rule: Rule) -> Rule:
    """The rule as iptables-nft reads it back after storing it in the kernel."""
    out: list[MatchEntry] = []
    native_at: dict[str, int] = {}
    natives: list[bool] = []
    for entry in rule.matches:
        ext = find_match(entry.name)
        exprs = ext.nft_native(entry.value, rule.proto) if ext is not None else None
        natives.append(exprs is not None)
        if ext is None or exprs is None:
            out.append(entry)
            continue
        for expr in exprs:
            # ``nft_create_match`` runs once per protocol and rule; later compares update it
            index = native_at.get(entry.name) if ext.nft_merges else None
            if index is None:
                native_at[entry.name] = len(out)
                out.append(MatchEntry(entry.name, ext.nft_decode(None, expr)))
            else:
                out[index] = MatchEntry(entry.name, ext.nft_decode(out[index].value, expr))
    # ``add_iniface``: a bare ``+`` loads the name but compares nothing (``! -i +`` is kept,
    # as a compare with an impossible name)
    iface_in = "" if rule.iface_in == "+" and "i" not in rule.inv else rule.iface_in
    iface_out = "" if rule.iface_out == "+" and "o" not in rule.inv else rule.iface_out
    target = rule.target
    if isinstance(target, TargetEntry):
        ext_t = find_target(target.name)
        if ext_t is not None:
            target = TargetEntry(target.name, ext_t.nft_readback(target.value))
    matches = tuple(out)
    if (
        iface_in == rule.iface_in
        and iface_out == rule.iface_out
        and target is rule.target
        and matches == rule.matches
        and not any(getattr(entry.value, "joint", False) for entry in matches)
    ):
        # the usual case: what was stored reads back the same (keep the objects, and
        # what was learnt about them: the kernel checks them next)
        for entry, native in zip(rule.matches, natives, strict=True):
            _remember(entry, rule.proto, native)
        return rule
    return replace(rule, iface_in=iface_in, iface_out=iface_out, matches=matches, target=target)


def ports_read_back_same(value: PortValue) -> bool:
    """Whether :func:`decode_ports` gives back the ports :func:`encode_ports` stored: it
    does, but for an inverted range from port 0, which is stored as ``port > hi``
    (``! --sport :1023`` reads back as ``--sport 1024:65535``) or, when it is the whole
    range, as nothing at all (``! --sport :``), and for two inverted single ports, which
    read back as one joint compare."""
    inv = value.inv
    if not inv:
        return True
    (slo, shi), (dlo, dhi) = value.spts, value.dpts
    if slo and slo == shi and dlo and dlo == dhi and inv >= {"sport", "dport"}:
        return value.joint  # stored as one compare: it reads back joint
    return not (slo == 0 and shi and "sport" in inv) and not (dlo == 0 and dhi and "dport" in inv)


def read_back_alone(entry: MatchEntry, proto: int) -> tuple[MatchEntry, ...]:
    """What one match reads back as in a rule with protocol ``proto`` where no other match
    has its name (then nothing merges with it): :func:`nft_readback` of that rule, for one
    match. Raises as :func:`nft_readback` does (``UDP match requires '-p udp'``)."""
    ext = find_match(entry.name)
    if ext is not None and ext.nft_reads_back_same(entry.value, proto):
        return (entry,)
    exprs = ext.nft_native(entry.value, proto) if ext is not None else None
    if ext is None or exprs is None:
        return (entry,)
    if not ext.nft_merges:
        return tuple(MatchEntry(entry.name, ext.nft_decode(None, expr)) for expr in exprs)
    value = None
    for expr in exprs:
        value = ext.nft_decode(value, expr)
    if value is None:
        return ()  # it compares nothing: nothing is stored
    same = value == entry.value and value.joint == getattr(entry.value, "joint", False)
    return (entry,) if same else (MatchEntry(entry.name, value),)


def check_payloads(rule: Rule) -> None:
    """What the kernel refuses in iptables-nft's native part of a rule.

    ``add_addr`` loads only the masked bytes of an address: ``! -s 0/0`` becomes
    a zero-length payload load, which nf_tables rejects (legacy accepts it).
    """
    for letter, net in (("s", rule.src), ("d", rule.dst)):
        if letter in rule.inv and net.mask == 0:
            raise KernelRejected("EINVAL")


def is_native(entry: MatchEntry, proto: int) -> bool:
    """Whether iptables-nft keeps this match as native expressions (no xt checkentry)."""
    known = _NATIVE.get(id(entry))
    if known is not None and known[0] is entry and known[1] == proto:
        return known[2]
    ext = find_match(entry.name)
    return ext is not None and ext.nft_native(entry.value, proto) is not None


# What nft_readback just worked out for the (immutable) matches it kept, by identity:
# the rule's kernel checks ask again right after. The entry is kept alive with its answer.
_NATIVE: dict[int, tuple[MatchEntry, int, bool]] = {}


def _remember(entry: MatchEntry, proto: int, native: bool) -> None:
    if len(_NATIVE) >= 4096:
        _NATIVE.clear()
    _NATIVE[id(entry)] = (entry, proto, native)


__all__ = [
    "PortCmp",
    "check_payloads",
    "decode_ports",
    "encode_ports",
    "is_native",
    "nft_readback",
    "ports_read_back_same",
    "read_back_alone",
]
