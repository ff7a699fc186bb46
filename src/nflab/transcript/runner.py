"""Run a transcript on a simulated world and record what each command printed.

Each file gets a fresh :class:`World`. ``lab#`` lines shape it; the other
lines run on their machine as ``/bin/bash -c COMMAND`` would (a leading
``sudo `` is dropped, as the kernel runner does). The combined output is
compared line by line, with the exit status appended as ``[N]`` when not 0.
The reading of the transcript is shared with the kernel mode (:mod:`.driver`).
"""

from __future__ import annotations

from pathlib import Path

from ..lab.context import Context
from ..lab.reboot import reboot
from ..lab.tracing import LabTrace
from ..lab.world import LabError, World
from ..programs.sh import CommandHung, run_command_line
from ..trace.analysis import build_report
from ..trace.text import render_text
from .driver import FileRun, Outcome, output_lines, run_file

__all__ = ["FileRun", "Outcome", "SimulatedLab", "output_lines", "run_transcript"]


def run_transcript(path: str | Path) -> FileRun:
    """Parse (TranscriptError if malformed) and run one transcript in a fresh world."""
    lab = SimulatedLab(World())
    try:
        return run_file(path, lab)
    finally:
        lab.world.shutdown()  # background servers end with the lab


class SimulatedLab:
    """The :class:`~.driver.Lab` of simulated machines: a :class:`World`, simulated time."""

    def __init__(self, world: World):
        self.world = world
        self._trace: tuple[LabTrace, int] | None = None

    def start_trace(self, level: int = 0) -> None:
        """``lab# trace``: record every packet of the lab from now on."""
        if self._trace is not None:
            raise LabError("trace: a trace is already on (end it with `lab# trace off`)")
        self._trace = (LabTrace(self.world.network), level)

    def stop_trace(self) -> list[str]:
        """The report of what was recorded since :meth:`start_trace`, as text lines."""
        if self._trace is None:
            raise LabError("trace: no trace is on (start one with `lab# trace on`)")
        running, level = self._trace
        self._trace = None
        return render_text(build_report(running.stop()), level)

    def has_machine(self, name: str) -> bool:
        return name in self.world.machines

    def add_machine(self, name: str) -> None:
        self.world.add_machine(name)

    def connect(self, a: str, a_if: str, b: str, b_if: str) -> None:
        self.world.connect(a, a_if, b, b_if)

    def sleep(self, seconds: float) -> None:
        self.world.sleep(seconds)

    def copy_in(self, machine: str, path: str, data: bytes) -> None:
        # any bytes: what is not UTF-8 is kept as surrogate escapes (see nflab.lab.files)
        self.world.copy_in(machine, path, data.decode("utf-8", "surrogateescape"))

    def reboot(self, machine: str) -> None:
        reboot(self.world, machine)  # see nflab.lab.reboot

    def run(self, machine: str, text: str) -> tuple[str, int]:
        try:
            return run_command_line(Context(self.world.machine(machine)), text)
        except CommandHung as hung:
            raise LabError(str(hung)) from None
