"""``--update``: write actual outputs back into a transcript, the way cram does.

A command whose output matches keeps its text. Otherwise the expected lines
that still match an actual line (patterns included) are kept where they
align, and the other actual lines are written in; a line that would be read
back as something else (a pattern, a command, a fence, an exit status) is
escaped into a ``(re)`` line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .match import GLOB_SUFFIX, RE_SUFFIX, align, outputs_match
from .model import COMMAND_LINE, FENCE, STATUS_LINE, Block, Command, Transcript


def escape_actual(line: str) -> str:
    """An actual line as it must be written so that it reads back as itself."""
    if (
        line.endswith((RE_SUFFIX, GLOB_SUFFIX))
        or COMMAND_LINE.fullmatch(line)
        or FENCE.fullmatch(line)
        or STATUS_LINE.fullmatch(line)
    ):
        return re.escape(line) + RE_SUFFIX
    return line


def updated_output(command: Command, actual: Sequence[str], status_last: bool) -> list[str]:
    """The output lines to write for ``command``; ``status_last``: actual ends with ``[N]``."""
    if outputs_match(command.expected, actual):
        return list(command.expected)
    last = len(actual) - 1
    out: list[str] = []
    index = 0
    for op, expected, got in align(command.expected, actual):
        if op == " ":
            assert expected is not None
            out.append(expected)
            index += 1
        elif op == "+":
            assert got is not None
            is_status = status_last and index == last
            out.append(got if is_status else escape_actual(got))
            index += 1
    return out


def render_updated(transcript: Transcript, actual: Mapping[Command, tuple[Sequence[str], bool]]) -> str:
    """The transcript's text with the actual outputs of the commands in ``actual``."""
    lines: list[str] = []
    for part in transcript.parts:
        if not isinstance(part, Block):
            lines.append(part)
            continue
        lines.append(part.opening)
        lines.extend(part.preamble)
        for command in part.commands:
            lines.append(command.source)
            if command in actual:
                output, status_last = actual[command]
                lines.extend(updated_output(command, output, status_last))
            else:
                lines.extend(command.expected)
            lines.extend([""] * command.trailing_blanks)
        lines.append(part.closing)
    return "\n".join(lines) + ("\n" if transcript.final_newline else "")
