"""A rule as the kernel stores it: the generic IPv4 part, matches, one target.

All values are frozen, so ``iptables -C`` and ``-D rulespec`` are ``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .addresses import ANY, Net

STANDARD_VERDICTS = ("ACCEPT", "DROP", "QUEUE", "RETURN")


@dataclass(frozen=True, slots=True)
class MatchEntry:
    """One ``-m NAME ...``: the extension's name and its canonical value."""

    name: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """``-j ACCEPT|DROP|QUEUE|RETURN``: the standard target."""

    name: str


@dataclass(frozen=True, slots=True)
class Jump:
    """``-j CHAIN`` or ``-g CHAIN`` to a user-defined chain."""

    chain: str
    goto: bool = False


@dataclass(frozen=True, slots=True)
class TargetEntry:
    """``-j NAME ...`` of a target extension."""

    name: str
    value: Any = None


Target = Verdict | Jump | TargetEntry


@dataclass(frozen=True, slots=True)
class Rule:
    """``struct ipt_entry`` with its matches and target.

    ``inv`` holds the inverted generic options among ``s d i o p f``.
    """

    src: Net = ANY
    dst: Net = ANY
    iface_in: str = ""
    iface_out: str = ""
    proto: int = 0
    fragment: bool = False
    inv: frozenset[str] = frozenset()
    matches: tuple[MatchEntry, ...] = ()
    target: Target | None = None

    def target_name(self) -> str:
        """The name shown in the ``target`` column of ``-L`` (empty without one)."""
        t = self.target
        if t is None:
            return ""
        if isinstance(t, Verdict):
            return t.name
        if isinstance(t, Jump):
            return t.chain
        return t.name

    def jumps_to(self) -> str | None:
        return self.target.chain if isinstance(self.target, Jump) else None


@dataclass(slots=True)
class Counters:
    """Packet and byte counters of one rule or policy (mutable state, not a value)."""

    packets: int = 0
    bytes: int = 0

    def add(self, length: int) -> None:
        self.packets += 1
        self.bytes += length

    def copy(self) -> Counters:
        return Counters(self.packets, self.bytes)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A parsed rule command's rule plus the counters ``-c`` gave it."""

    rule: Rule
    counters: tuple[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
