"""What a simulated program gets and gives: its I/O and the machine it runs on.

Programs write to :class:`Io` in order, so the combined stdout+stderr shows
the interleaving a terminal would (as transcripts record it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..iptables.names import Names
from ..netfilter.state import NetfilterState


@dataclass
class Io:
    stdin: str = ""
    chunks: list[tuple[int, str]] = field(default_factory=list)

    def out(self, text: str) -> None:
        if text:
            self.chunks.append((1, text))

    def err(self, text: str) -> None:
        if text:
            self.chunks.append((2, text))

    @property
    def stdout(self) -> str:
        return "".join(t for fd, t in self.chunks if fd == 1)

    @property
    def stderr(self) -> str:
        return "".join(t for fd, t in self.chunks if fd == 2)

    @property
    def combined(self) -> str:
        return "".join(t for _, t in self.chunks)


class Host(Protocol):
    """The machine (network namespace) a program runs in, as programs see it."""

    @property
    def netfilter(self) -> NetfilterState: ...

    @property
    def names(self) -> Names: ...

    def now_ctime(self) -> str:
        """The wall clock as ``ctime()`` prints it (iptables-save headers)."""
        ...


@dataclass
class SimpleHost:
    """A namespace with only netfilter state: enough for the iptables programs."""

    netfilter: NetfilterState = field(default_factory=NetfilterState)
    names: Names = field(default_factory=Names)
    clock_text: str = "Thu Jan  1 00:00:00 1970"

    def now_ctime(self) -> str:
        return self.clock_text
