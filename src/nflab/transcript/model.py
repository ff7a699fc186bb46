"""A lab transcript as values: prose lines, console blocks, commands with their expected output.

Every command keeps its file and line, so anything said about it (a diff,
an error) can point at the place to look.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

COMMAND_LINE = re.compile(r"([a-z][a-z0-9-]*)# (.*)")
STATUS_LINE = re.compile(r"\[(\d+)\]")
FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")


class TranscriptError(Exception):
    """A transcript that cannot be run as written: the message names file and line."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Command:
    """``MACHINE# TEXT`` and the output expected from it (trailing blank lines removed)."""

    path: str
    line: int
    machine: str
    text: str
    expected: tuple[str, ...]
    trailing_blanks: int = 0

    @property
    def source(self) -> str:
        """The command line as written in the transcript."""
        return f"{self.machine}# {self.text}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced ``console`` block: its fences, the comments before the first command, commands."""

    opening: str
    closing: str
    preamble: tuple[str, ...]
    commands: tuple[Command, ...]


@dataclass(frozen=True, slots=True)
class Transcript:
    path: str
    parts: tuple[str | Block, ...]  # lines outside console blocks, verbatim, and the blocks
    final_newline: bool = True

    @property
    def commands(self) -> Iterator[Command]:
        for part in self.parts:
            if isinstance(part, Block):
                yield from part.commands

    @property
    def title(self) -> str:
        """The first Markdown heading, without its ``#`` marks."""
        for part in self.parts:
            if isinstance(part, str) and part.startswith("#"):
                return part.lstrip("#").strip()
        return ""
