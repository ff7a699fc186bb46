"""``lab# trace``: nflab's trace of the packets a command causes, inside a transcript.

Forms::

    lab# trace [-v|-vv] MACHINE# COMMAND   run COMMAND on MACHINE, tracing every packet of
                                           the lab meanwhile; its output, a blank line,
                                           the report, and the command's [N] last
    lab# trace on [-v|-vv]                 trace from here ...
    lab# trace off                         ... to here: the report is this line's output

The report (:mod:`nflab.trace`) starts with the line ``trace: N packets, M
connections``. It is nflab's own output: a lab that cannot trace (the real
kernel) runs the command and compares only the part of the expected output
before that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lab.world import LabError
from .model import COMMAND_LINE, STATUS_LINE

REPORT_HEAD = re.compile(r"trace: \d+ packets?, \d+ connections?")
USAGE = "usage: lab# trace [-v|-vv] MACHINE# COMMAND, lab# trace on [-v|-vv], lab# trace off"


@dataclass(frozen=True, slots=True)
class TraceRequest:
    mode: str  # "run", "on", "off"
    level: int = 0
    machine: str = ""
    text: str = ""


def parse_trace(text: str) -> TraceRequest:
    """The words after ``lab# trace`` (raises LabError with the usage when they make no sense)."""
    rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    level = 0
    words = rest.split(None, 1)
    while words and words[0] in ("-v", "-vv"):
        level = max(level, len(words[0]) - 1)
        rest = words[1] if len(words) > 1 else ""
        words = rest.split(None, 1)
    if words and words[0] in ("on", "off"):
        tail = words[1].split() if len(words) > 1 else []
        for word in tail:
            if word not in ("-v", "-vv") or words[0] == "off":
                raise LabError(f"trace: unexpected `{word}` ({USAGE})")
            level = max(level, len(word) - 1)
        return TraceRequest(words[0], level)
    m = COMMAND_LINE.fullmatch(rest)
    if m is None or m.group(1) == "lab":
        raise LabError(f"trace: {USAGE}")
    return TraceRequest("run", level, m.group(1), m.group(2))


def before_report(expected: tuple[str, ...]) -> tuple[str, ...]:
    """The expected lines without the report (what the real kernel can be held to): those
    before it, and the command's ``[N]`` after it."""
    for n, line in enumerate(expected):
        if REPORT_HEAD.fullmatch(line):
            head = list(expected[:n])
            while head and not head[-1]:
                head.pop()
            if STATUS_LINE.fullmatch(expected[-1]):
                head.append(expected[-1])
            return tuple(head)
    return expected
