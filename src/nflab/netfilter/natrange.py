"""NAT ranges and how a new connection's translated tuple is chosen (``nf_nat_core.c``).

A NAT target does not rewrite packets itself: like ``nf_nat_setup_info`` it
picks the tuple the connection will have after translation and records it
as a :class:`NatBinding` on the skb; the conntrack layer stores it in the
entry (its reply tuple becomes the inverse of the new tuple) and rewrites
this and every later packet of the connection.

The choice follows ``get_unique_tuple``: keep the tuple when it is already
in range and free (source NAT only), otherwise pick the address by hashing
(``find_best_ips_proto``) and search the port range from a random offset
(``nf_nat_l4proto_unique_tuple``). Whether a tuple is free is asked through
a callback (the conntrack table's ``nf_nat_used_tuple``); randomness comes
from the caller's seeded generator.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum, IntFlag
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from ..packet.headers import IPPROTO_ICMP
from .conntrack import Tuple, packet_tuple
from .ctview import CtDir, CtStatus
from .jhash import be32_word, jhash2, reciprocal_scale
from .skb import XtVerdict

if TYPE_CHECKING:
    from .skb import Env, Skb


class NatFlag(IntFlag):
    """``NF_NAT_RANGE_*`` (``include/uapi/linux/netfilter/nf_nat.h``)."""

    MAP_IPS = 1 << 0
    PROTO_SPECIFIED = 1 << 1
    PROTO_RANDOM = 1 << 2
    PERSISTENT = 1 << 3
    PROTO_RANDOM_FULLY = 1 << 4
    PROTO_OFFSET = 1 << 5
    NETMAP = 1 << 6


RANDOM_ALL = NatFlag.PROTO_RANDOM | NatFlag.PROTO_RANDOM_FULLY

# the protocols whose tuple carries ports (``l4proto_in_range``); GRE keys are left alone
# without a PPTP master connection, which nflab does not model
_PORT_PROTOS = frozenset({6, 17, 33, 132, 136})
_GRE = 47
NF_NAT_MAX_ATTEMPTS = 128


@dataclass(frozen=True, slots=True)
class NatRange:
    """``struct nf_nat_range2`` for IPv4, addresses and ports in host order.

    For ICMP the "ports" are echo identifiers.
    """

    flags: NatFlag = NatFlag(0)
    min_addr: IPv4Address = IPv4Address(0)
    max_addr: IPv4Address = IPv4Address(0)
    min_proto: int = 0
    max_proto: int = 0
    base_proto: int = 0


class Manip(Enum):
    """``enum nf_nat_manip_type``: which end of the connection is translated."""

    SRC = "SRC"
    DST = "DST"


def hook_manip(hook: str) -> Manip:
    """``HOOK2MANIP``: destination NAT before routing (PREROUTING, OUTPUT), source after."""
    return Manip.SRC if hook in ("POSTROUTING", "INPUT") else Manip.DST


@dataclass(frozen=True, slots=True)
class NatBinding:
    """What a NAT target decided for a new connection: ``orig`` becomes ``new``."""

    manip: Manip
    orig: Tuple
    new: Tuple
    # MASQUERADE's output device (``nat->masq_index``): its entries go when it goes down
    masq_iface: str = ""

    @property
    def changed(self) -> bool:
        """``!nf_ct_tuple_equal``: only then the entry gets SRC_NAT/DST_NAT status."""
        return self.new != self.orig


TakenFn = Callable[[Tuple], bool]
BySourceFn = Callable[[Tuple], Iterable[Tuple]]


def _no_sources(_: Tuple) -> Iterable[Tuple]:
    return ()


def _key(proto: int, manip: Manip) -> str:
    """The tuple field a manip changes: the ICMP id is the source "port" either way."""
    if proto == IPPROTO_ICMP or manip is Manip.SRC:
        return "sport"
    return "dport"


def l4proto_in_range(tup: Tuple, manip: Manip, lo: int, hi: int) -> bool:
    """``l4proto_in_range``: the port (ICMP id) the manip would change is in ``[lo, hi]``."""
    if tup.proto == IPPROTO_ICMP:
        return lo <= tup.sport <= hi
    if tup.proto in _PORT_PROTOS or tup.proto == _GRE:
        port = tup.sport if manip is Manip.SRC else tup.dport
        return lo <= port <= hi
    return True


def in_range(tup: Tuple, rng: NatRange) -> bool:
    """``nf_in_range``: the source address and port already satisfy the range."""
    if rng.flags & NatFlag.MAP_IPS and not rng.min_addr <= tup.src <= rng.max_addr:
        return False
    if not rng.flags & NatFlag.PROTO_SPECIFIED:
        return True
    return l4proto_in_range(tup, Manip.SRC, rng.min_proto, rng.max_proto)


def find_best_ip(tup: Tuple, rng: NatRange, manip: Manip, zone: int = 0) -> Tuple:
    """``find_best_ips_proto``: a hash of the addresses picks one of the range.

    Without ``--persistent`` the destination is part of the hash, so one client
    may get different addresses toward different servers.
    """
    if not rng.flags & NatFlag.MAP_IPS:
        return tup
    if rng.min_addr == rng.max_addr:
        chosen = rng.min_addr
    else:
        # jhash2 over the 16-byte ``union nf_inet_addr`` of the source (IPv4: 1 word + zeros)
        words = [be32_word(tup.src.packed), 0, 0, 0]
        seed = 0 if rng.flags & NatFlag.PERSISTENT else be32_word(tup.dst.packed) ^ zone
        j = jhash2(words, seed)
        lo, hi = int(rng.min_addr), int(rng.max_addr)
        dist = (hi - lo + 1) & 0xFFFFFFFF
        chosen = IPv4Address((lo + reciprocal_scale(j, dist)) & 0xFFFFFFFF)
    if manip is Manip.SRC:
        return replace(tup, src=chosen)
    return replace(tup, dst=chosen)


def _search_space(tup: Tuple, rng: NatRange, manip: Manip) -> tuple[int, int] | None:
    """The first value and size of the id/port space ``unique_tuple`` searches."""
    specified = bool(rng.flags & NatFlag.PROTO_SPECIFIED)
    if tup.proto == IPPROTO_ICMP:
        if not specified:
            return 0, 65536
        return rng.min_proto, (rng.max_proto - rng.min_proto + 1) & 0xFFFFFFFF
    if tup.proto not in _PORT_PROTOS:
        return None
    if not specified:
        if manip is Manip.DST:
            return None  # a destination rewrite without ports keeps the port
        port = tup.sport
        if port < 1024:
            # loose convention: below 512 is credential passing, keep privileged ports privileged
            return (1, 511) if port < 512 else (600, 1023 - 600 + 1)
        return 1024, 65535 - 1024 + 1
    lo, hi = rng.min_proto, rng.max_proto
    if hi < lo:
        lo, hi = hi, lo
    return lo, hi - lo + 1


def unique_l4(
    tup: Tuple, rng: NatRange, manip: Manip, taken: TakenFn, rand: _random.Random
) -> Tuple:
    """``nf_nat_l4proto_unique_tuple``: try ports from an offset until one is free.

    The search is bounded (128 attempts, then ever smaller windows from new
    random offsets); when everything tried is taken the last candidate is
    returned and the conntrack layer will find the clash.
    """
    space = _search_space(tup, rng, manip)
    if space is None:
        return tup
    lo, size = space
    key = _key(tup.proto, manip)
    if rng.flags & NatFlag.PROTO_OFFSET:
        off = (getattr(tup, key) - rng.base_proto) & 0xFFFF
    elif rng.flags & RANDOM_ALL or manip is not Manip.DST:
        off = rand.getrandbits(16)
    else:
        off = 0
    attempts = min(size, NF_NAT_MAX_ATTEMPTS)
    cand = tup
    while True:
        for _ in range(attempts):
            cand = replace(tup, **{key: (lo + off % size) & 0xFFFF})
            if not taken(cand):
                return cand
            off = (off + 1) & 0xFFFF  # ``u16 off``
        if attempts >= size or attempts < 16:
            return cand
        attempts //= 2
        off = rand.getrandbits(16)


def get_unique_tuple(
    orig: Tuple,
    rng: NatRange,
    manip: Manip,
    *,
    taken: TakenFn,
    rand: _random.Random,
    bysource: BySourceFn = _no_sources,
    zone: int = 0,
) -> Tuple:
    """``get_unique_tuple``: the tuple ``orig`` is translated to under ``rng``.

    ``taken(t)`` says whether another connection already uses ``t`` (its reply,
    really: ``nf_nat_used_tuple``). ``bysource(t)`` yields, for existing
    source-NATed connections from the same source address and port, their
    translated original tuples (``find_appropriate_src``), so a client keeps its
    mapping across connections.
    """
    if manip is Manip.SRC and not rng.flags & RANDOM_ALL:
        if in_range(orig, rng):
            if not taken(orig):
                return orig
        else:
            for mapped in bysource(orig):
                result = replace(orig, src=mapped.src, sport=mapped.sport)
                if in_range(result, rng):
                    if not taken(result):
                        return result
                    break
    tup = find_best_ip(orig, rng, manip, zone)
    if not rng.flags & RANDOM_ALL:
        if rng.flags & NatFlag.PROTO_SPECIFIED:
            if (
                not rng.flags & NatFlag.PROTO_OFFSET
                and l4proto_in_range(tup, manip, rng.min_proto, rng.max_proto)
                and (rng.min_proto == rng.max_proto or not taken(tup))
            ):
                return tup
        elif not taken(tup):
            return tup
    return unique_l4(tup, rng, manip, taken, rand)


def current_tuple(skb: Skb) -> Tuple | None:
    """The connection's tuple as it looks now: the inverse of its reply tuple (which
    reflects a NAT done at an earlier hook), or the packet's own without conntrack."""
    ct = skb.ct
    if ct is not None:
        t = ct.tuple(CtDir.REPLY)
        return Tuple(t.proto, t.src, t.dst, t.sport, t.dport).reply()
    return packet_tuple(skb.packet)


def setup_nat(
    skb: Skb, env: Env, rng: NatRange, manip: Manip, masq_iface: str = ""
) -> XtVerdict:
    """``nf_nat_setup_info``: choose the new tuple and record the binding on ``skb``.

    A confirmed connection is not translated again (its first packet decided).
    """
    ct = skb.ct
    if ct is not None and ct.status & CtStatus.CONFIRMED:
        return XtVerdict.ACCEPT
    orig = current_tuple(skb)
    if orig is None:
        return XtVerdict.ACCEPT
    new = get_unique_tuple(
        orig,
        rng,
        manip,
        taken=env.nat_tuple_taken,
        rand=env.rng,
        bysource=env.nat_bysource,
        zone=getattr(ct, "zone", 0),
    )
    skb.nat = NatBinding(manip, orig, new, masq_iface)
    return XtVerdict.ACCEPT
