"""Which rules of a long chain can match a packet: a bit-vector classifier.

The linear walk tests every rule in turn. For a long chain the engine first asks
this index (Lakshman and Stiliadis' bit vectors): in each of five dimensions
(source, destination, protocol, source port, destination port) the value space
is cut into intervals, and each interval holds the set of rules — a Python int,
bit ``i`` for rule ``i`` — whose condition in that dimension admits its values.
A packet's candidates are the AND of the five sets of the intervals its values
fall in: five binary searches instead of thousands of tests.

Every set is a superset. A condition the index cannot express (an inverted or
non-prefix address, an inverted protocol, ports tested by anything but a plain
tcp/udp match leading the rule's matches) admits every value, and the engine
still tests each candidate in full, in rule order: verdicts, counters and the
side effects of matches are those of the linear walk. Packets the index cannot
place (fragments, a TCP/UDP packet without its header) take the linear walk.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ..packet.headers import TCP, UDP, Packet

MIN_RULES = 64  # shorter chains are walked: building the index would not pay
NO_PORT = -1  # the "port" of a packet without ports: only rules that ignore ports admit it
ANY = (NO_PORT, 0xFFFFFFFF)
_ALL32 = 0xFFFFFFFF
_PORT_PROTOS = (6, 17)

Key = tuple[int, int, int, int, int]


class Dimension:
    """One field: interval starts (sorted, the first below every value) and their sets."""

    __slots__ = ("sets", "starts")

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        toggles: dict[int, int] = {}  # where a rule's range begins and ends: bits flipped there
        for i, (lo, hi) in enumerate(ranges):
            bit = 1 << i
            toggles[lo] = toggles.get(lo, 0) ^ bit
            toggles[hi + 1] = toggles.get(hi + 1, 0) ^ bit
        self.starts = [NO_PORT - 1]
        self.sets = [0]
        current = 0
        for position in sorted(toggles):
            current ^= toggles[position]
            self.starts.append(position)
            self.sets.append(current)

    def admits(self, value: int) -> int:
        return self.sets[bisect_right(self.starts, value) - 1]


def _prefix_range(mask: int, net: int, inverted: bool) -> tuple[int, int]:
    """The addresses an address test admits, as one range when it is a prefix."""
    if inverted or (~mask & _ALL32) & ((~mask & _ALL32) + 1):  # host bits not contiguous
        return ANY
    return net, net | (~mask & _ALL32)


def _bounds(rule: tuple[Any, ...]) -> tuple[tuple[int, int], ...]:
    """The five ranges one compiled rule admits (see ``engine._compile``)."""
    smask, snet, sinv, dmask, dnet, dinv, rest = rule
    proto, sports, dports = ANY, ANY, ANY
    if rest is not None:
        _, _, _, _, number, inv_proto, _, _, matches = rest
        if number and not inv_proto:
            proto = (number, number)
            bounds = None
            if number in _PORT_PROTOS and matches and matches[0][0] is not None:
                ext, value = matches[0]
                bounds = ext.port_bounds(value)  # the first match: nothing runs before it
            if bounds is not None:
                (slo, shi), (dlo, dhi) = bounds
                sports = (slo, shi) if slo <= shi else ANY
                dports = (dlo, dhi) if dlo <= dhi else ANY
    return _prefix_range(smask, snet, sinv), _prefix_range(dmask, dnet, dinv), proto, sports, dports


class ChainIndex:
    """The five dimensions of one version of a chain."""

    __slots__ = ("dimensions",)

    def __init__(self, compiled: Sequence[tuple[Any, ...]]) -> None:
        columns = list(zip(*(_bounds(rule) for rule in compiled), strict=True))
        self.dimensions = tuple(Dimension(column) for column in columns)

    def candidates(self, key: Key) -> int:
        """The rules that may match a packet with these five values (bit i: rule i)."""
        src, dst, proto, sport, dport = self.dimensions
        return (
            src.admits(key[0]) & dst.admits(key[1]) & proto.admits(key[2])
            & sport.admits(key[3]) & dport.admits(key[4])
        )  # fmt: skip


def packet_key(packet: Packet) -> Key | None:
    """The packet's five values, or None when only the linear walk may judge it: a
    fragment, or TCP/UDP without its header (matches then drop or refuse it)."""
    ip = packet.ip
    if ip.frag_offset:
        return None
    if ip.proto in _PORT_PROTOS:
        l4 = packet.l4
        if not isinstance(l4, (TCP, UDP)):
            return None
        return int(ip.src), int(ip.dst), ip.proto, l4.sport, l4.dport
    return int(ip.src), int(ip.dst), ip.proto, NO_PORT, NO_PORT
