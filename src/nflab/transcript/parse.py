"""Markdown → :class:`Transcript` (the format of shared/spec/transcripts.md).

Only fenced blocks whose info string starts with ``console`` are read.
Anything that cannot mean what its author meant (a stray line before the
first command, a misplaced ``[N]``, a bad pattern, an unknown ``lab#``
command) is a :class:`TranscriptError` naming file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from .match import check_pattern
from .model import COMMAND_LINE, FENCE, STATUS_LINE, Block, Command, Transcript, TranscriptError

# lab# commands and the number of arguments each takes: (min, max); None = no maximum
LAB_COMMANDS: dict[str, tuple[int, int | None]] = {
    "machines": (1, None),
    "connect": (2, 2),
    "sleep": (1, 1),
    "include": (1, 1),
    "copy": (2, 2),
    "reboot": (1, 1),
    "trace": (1, None),
}
_NAME = re.compile(r"[a-z][a-z0-9-]*")


def read_transcript(path: str | Path) -> Transcript:
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise TranscriptError(path, 0, f"cannot read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise TranscriptError(path, 0, "not UTF-8 text") from None
    return parse_transcript(text, path)


def parse_transcript(text: str, path: str = "<transcript>") -> Transcript:
    lines = text.split("\n")
    final_newline = bool(lines) and lines[-1] == ""
    if final_newline:
        lines.pop()
    parts: list[str | Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.fullmatch(lines[i])
        if m is None:
            parts.append(lines[i])
            i += 1
            continue
        close = _closing_fence(lines, i, m.group(2))
        info = m.group(3).split()
        if info[:1] == ["console"]:
            if close is None:
                raise TranscriptError(path, i + 1, "this console block is never closed")
            parts.append(_block(path, lines, i, close))
        else:
            parts.extend(lines[i : len(lines) if close is None else close + 1])
        i = len(lines) if close is None else close + 1
    return Transcript(path, tuple(parts), final_newline)


def _closing_fence(lines: list[str], start: int, fence: str) -> int | None:
    for j in range(start + 1, len(lines)):
        m = FENCE.fullmatch(lines[j])
        if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) and not m.group(3).strip():
            return j
    return None


def _block(path: str, lines: list[str], open_index: int, close_index: int) -> Block:
    preamble: list[str] = []
    pending: list[tuple[int, str, str, list[str]]] = []  # line number, machine, text, output
    for k in range(open_index + 1, close_index):
        line, number = lines[k], k + 1
        m = COMMAND_LINE.fullmatch(line)
        if m:
            pending.append((number, m.group(1), m.group(2), []))
        elif pending:
            pending[-1][3].append(line)
        elif not line.strip() or line == "#" or line.startswith("# "):
            preamble.append(line)
        else:
            raise TranscriptError(
                path, number, f"expected `MACHINE# COMMAND` or a `# ` comment, got {line!r}"
            )
    commands = tuple(_command(path, *item) for item in pending)
    return Block(lines[open_index], lines[close_index], tuple(preamble), commands)


def _command(path: str, number: int, machine: str, text: str, output: list[str]) -> Command:
    trailing = 0
    while output and not output[-1].strip():
        output.pop()
        trailing += 1
    for offset, line in enumerate(output, 1):
        status = STATUS_LINE.fullmatch(line.rstrip())
        if status is not None:
            if offset != len(output):
                raise TranscriptError(
                    path, number + offset,
                    f"{line.strip()} is an exit status: it can only be the last line of an output"
                    " (escape a literal one as `\\[N\\] (re)`)",
                )  # fmt: skip
            if not 0 < int(status.group(1)) < 256:
                raise TranscriptError(path, number + offset, f"{line.strip()} is not a shown exit status (1-255)")
        problem = check_pattern(line)
        if problem is not None:
            raise TranscriptError(path, number + offset, problem)
    if machine == "lab":
        check_lab_command(path, number, text)
    return Command(path, number, machine, text, tuple(output), trailing)


def check_lab_command(path: str, number: int, text: str) -> None:
    words = text.split()
    if not words or words[0] not in LAB_COMMANDS:
        known = ", ".join(LAB_COMMANDS)
        raise TranscriptError(path, number, f"unknown lab command {text!r} (known: {known})")
    low, high = LAB_COMMANDS[words[0]]
    count = len(words) - 1
    if count < low or (high is not None and count > high):
        raise TranscriptError(path, number, f"wrong number of arguments to `lab# {words[0]}`")
    bad = []
    if words[0] in ("machines", "reboot"):
        bad = [w for w in words[1:] if not _NAME.fullmatch(w) or w == "lab"]
    elif words[0] == "connect":
        bad = [w for w in words[1:] if not _NAME.fullmatch(w.partition(":")[0]) or not w.partition(":")[2]]
    elif words[0] == "copy" and ":" not in words[2]:
        bad = [words[2]]
    elif words[0] == "sleep" and not re.fullmatch(r"\d+(\.\d*)?|\.\d+", words[1]):
        bad = [words[1]]
    if bad:
        raise TranscriptError(path, number, f"bad argument to `lab# {words[0]}`: {bad[0]}")
