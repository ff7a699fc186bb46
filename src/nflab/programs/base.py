"""What a simulated program gets and gives: its I/O and the machine it runs on.

Programs write to :class:`Io` in order, so the combined stdout+stderr shows
the interleaving a terminal would (as transcripts record it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..iptables.names import Names
from ..netfilter.state import NetfilterState

PIPE_BUFFER = 4096  # glibc's buffer for a stdout that is a pipe (st_blksize)


@dataclass
class Io:
    """A program's standard streams as a transcript captures them: one pipe for both.

    stderr is unbuffered. stdout into a pipe is fully buffered by stdio: its text
    reaches the pipe in 4096-byte blocks, or when the program flushes or exits,
    so an error message usually comes out before the normal output of the same
    command. Programs that write to stdout directly (``write(2)``, as nc does)
    or flush after each line use ``buffered=False`` or :meth:`flush`.
    """

    stdin: str = ""
    chunks: list[tuple[int, str]] = field(default_factory=list)
    buffered: bool = True
    pending: list[str] = field(default_factory=list)
    _pending_size: int = 0
    # where written text goes as it leaves the program (a terminal, a file, a pipe):
    # a server running in the background writes its log while it runs
    sink: Callable[[int, str], None] | None = None

    def _emit(self, fd: int, text: str) -> None:
        self.chunks.append((fd, text))
        if self.sink is not None:
            self.sink(fd, text)

    def out(self, text: str) -> None:
        if not text:
            return
        if not self.buffered:
            self._emit(1, text)
            return
        self.pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= PIPE_BUFFER:
            data = "".join(self.pending)
            cut = len(data) - len(data) % PIPE_BUFFER
            self._emit(1, data[:cut])
            self.pending = [data[cut:]] if data[cut:] else []
            self._pending_size = len(data) - cut

    def err(self, text: str) -> None:
        if text:
            self._emit(2, text)

    def flush(self) -> None:
        """``fflush(stdout)``; also what happens at exit."""
        if self.pending:
            self._emit(1, "".join(self.pending))
            self.pending = []
            self._pending_size = 0

    def _all(self) -> list[tuple[int, str]]:
        return self.chunks + ([(1, "".join(self.pending))] if self.pending else [])

    @property
    def stdout(self) -> str:
        return "".join(t for fd, t in self._all() if fd == 1)

    @property
    def stderr(self) -> str:
        return "".join(t for fd, t in self._all() if fd == 2)

    @property
    def combined(self) -> str:
        """Both streams as one pipe received them (pending stdout flushed at exit)."""
        return "".join(t for _, t in self._all())


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
