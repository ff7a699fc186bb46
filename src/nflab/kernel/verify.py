"""``nflab verify``: the simulated world against the real kernel, command by command.

The transcript is the referee. Each command has an outcome in each world;
a side *matches* when it ran and its output matches the transcript's
expected lines under the usual rules (exact, ``(re)``, ``(glob)``, ``[N]``).
A command is **different** when the two sides do not both match; the
difference says which side fails (``simulated``, ``kernel`` or ``both``).
So two outputs that differ only where the transcript allows it (a port
number under ``\\d+``, a timestamp under ``(glob)``) are equivalent, and a
transcript that both worlds contradict in the same way still shows up.

``lab# include`` lines are not compared: their outcome only repeats the
included commands, which are compared themselves.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..transcript.driver import FileRun, Outcome
from ..transcript.match import align
from ..transcript.model import Command


@dataclass(frozen=True, slots=True)
class Difference:
    command: Command
    simulated: Outcome
    kernel: Outcome

    @property
    def failing(self) -> str:
        """``"simulated"``, ``"kernel"`` or ``"both"``: the side(s) not matching the transcript."""
        if not self.simulated.matched and not self.kernel.matched:
            return "both"
        return "simulated" if not self.simulated.matched else "kernel"


def _keyed(run: FileRun) -> dict[tuple[str, int, int], Outcome]:
    """Outcomes by (file, line, n-th time): an included file may run more than once."""
    seen: Counter[tuple[str, int]] = Counter()
    keyed = {}
    for outcome in run.outcomes:
        where = (outcome.command.path, outcome.command.line)
        keyed[(*where, seen[where])] = outcome
        seen[where] += 1
    return keyed


def compare(simulated: FileRun, kernel: FileRun) -> list[Difference]:
    """Every command where the two runs do not both match the transcript, in run order."""
    sim, kern = _keyed(simulated), _keyed(kernel)
    differences = []
    for key in list(sim) + [k for k in kern if k not in sim]:
        s, k = sim.get(key), kern.get(key)
        command = (s or k).command  # type: ignore[union-attr]
        if command.machine == "lab" and command.text.split()[:1] == ["include"]:
            continue
        s = s or Outcome(command, error="not run in the simulated world")
        k = k or Outcome(command, error="not run on the kernel")
        if not (s.matched and k.matched):
            differences.append(Difference(command, s, k))
    return differences


# -- showing them -------------------------------------------------------------------------------

_VERDICT = {
    "simulated": "the simulated world differs from the transcript; the kernel matches it",
    "kernel": "the kernel differs from the transcript; the simulated world matches it",
    "both": "both worlds differ from the transcript",
}
LEGEND = (
    "(in each column: ' ' a line as the transcript expects it, '+' a line it does not expect,"
    " '-' an expected line that is missing, '!' nflab could not run the command)"
)


def _column(outcome: Outcome, expected: Sequence[str]) -> list[tuple[int, str]]:
    """The side's lines, each with the index of the expected line it stands at (or before)."""
    if outcome.error is not None:
        return [(0, "!" + line) for line in outcome.error.splitlines()]
    cells: list[tuple[int, str]] = []
    index = 0
    for op, want, got in align(expected, outcome.actual):
        if op == "+":
            cells.append((index, "+" + (got or "")))
            continue
        cells.append((index, (" " + (got or "")) if op == " " else "-" + (want or "")))
        index += 1
    return cells


def _rows(difference: Difference) -> Iterator[tuple[str, str]]:
    """Both columns side by side, lined up on the transcript's expected lines."""
    expected = difference.command.expected
    left, right = _column(difference.simulated, expected), _column(difference.kernel, expected)
    for index in range(len(expected) + 1):
        here_left = [cell for at, cell in left if at == index]
        here_right = [cell for at, cell in right if at == index]
        yield from itertools.zip_longest(here_left, here_right, fillvalue="")


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    first, rest = text[:width], text[width:]
    return [first] + [" " + rest[i : i + width - 1] for i in range(0, len(rest), width - 1)]


def render_difference(difference: Difference, width: int = 140) -> str:
    """One difference, as text: where, which side fails, the two outputs side by side.

    The left column is as wide as its longest line up to ``width`` (longer lines wrap),
    so that rows stay lined up; the right column is not cut.
    """
    rows = list(_rows(difference))
    column = min(width, max([len(row[0]) for row in rows] + [len(" simulated")]))
    out = [
        f"{difference.command.where}: {difference.command.source}",
        f"  {_VERDICT[difference.failing]}",
        f"  {' simulated':<{column}} | kernel",
    ]
    for left, right in rows:
        pieces = itertools.zip_longest(_wrap(left, column), [right], fillvalue="")
        out.extend(f"  {a:<{column}} | {b}".rstrip() for a, b in pieces)
    return "\n".join(out) + "\n"


def difference_json(difference: Difference) -> dict[str, object]:
    def side(outcome: Outcome) -> dict[str, object]:
        return {
            "output": list(outcome.actual),
            "status": outcome.status,
            "matches": outcome.matched,
            "error": outcome.error,
        }

    command = difference.command
    return {
        "file": command.path,
        "line": command.line,
        "machine": command.machine,
        "command": command.text,
        "expected": list(command.expected),
        "fails": difference.failing,
        "simulated": side(difference.simulated),
        "kernel": side(difference.kernel),
    }
