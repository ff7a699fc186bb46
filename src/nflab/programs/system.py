"""What the shell and the file-reading programs need from a machine, beyond :class:`Host`.

:class:`System` is the machine as a process sees it: its files and working
directory on top of the :class:`Host` view the iptables programs use.
:class:`NotSimulated` marks something Linux would do but nflab does not (yet):
the transcript runner reports it as an error at the command's line instead
of guessing an output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..lab.files import Filesystem
from .base import Host, Io


class System(Host, Protocol):
    @property
    def fs(self) -> Filesystem: ...

    @property
    def cwd(self) -> str: ...


Program = Callable[[Sequence[str], Io, System], int]
"""A program's entry point: argv (argv[0] is the name it was called by), its I/O, the machine."""


class NotSimulated(Exception):
    """A feature of a real program or of the shell that nflab does not simulate."""

    def __init__(self, what: str):
        super().__init__(f"{what} is not simulated")
        self.what = what


def read_input(system: System, io: Io, name: str) -> str:
    """The text of a file operand, ``-`` meaning standard input. Raises FsError."""
    path = system.fs.resolve(name, system.cwd)
    if name == "-" or path == "/dev/stdin":
        text, io.stdin = io.stdin, ""  # standard input can be read only once
        return text
    return system.fs.read(path)


def error(io: Io, text: str) -> None:
    """gnulib's ``error()``: flush stdout first, so the message lands after what came before."""
    io.flush()
    io.err(text)


def text_lines(text: str) -> list[str]:
    """The lines of a text, without their newline (only ``\\n`` ends a line)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
