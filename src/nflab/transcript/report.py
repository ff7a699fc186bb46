"""Showing a run: a unified-style diff for each command whose output differs."""

from __future__ import annotations

from collections.abc import Sequence

from .match import align
from .model import Command


def render_diff(command: Command, actual: Sequence[str]) -> str:
    """``--- FILE:LINE expected`` / ``+++ FILE:LINE actual`` / ``@@ COMMAND``, then the lines."""
    out = [
        f"--- {command.where} expected",
        f"+++ {command.where} actual",
        f"@@ {command.source}",
    ]
    for op, expected, got in align(command.expected, actual):
        out.append(op + ((got if op == "+" else expected) or ""))
    return "\n".join(out) + "\n"
