"""Drive a transcript through a lab: the part of running that both worlds share.

A :class:`Lab` is where commands really happen: the simulated world
(:mod:`.runner`) or real network namespaces (:mod:`nflab.kernel`). The
driver reads the transcript top to bottom, carries out ``lab#`` lines
(``include`` and ``copy`` are resolved here, beside the transcript), runs the
other lines on their machine and records an :class:`Outcome` per command.

A command that cannot be carried out (an unknown machine, a program feature
the lab does not have, a crash) gives an :class:`Outcome` with an ``error``;
the run goes on, so one gap does not hide the rest of the file.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ..lab.world import LabError
from ..programs.system import NotSimulated
from .match import outputs_match
from .model import Command, Transcript, TranscriptError
from .parse import read_transcript
from .tracecmd import before_report, parse_trace


@dataclass(frozen=True, slots=True)
class Outcome:
    command: Command
    actual: tuple[str, ...] = ()  # output lines, then ``[N]`` when the status is not 0
    status: int = 0
    error: str | None = None

    @property
    def matched(self) -> bool:
        return self.error is None and outputs_match(self.command.expected, self.actual)


@dataclass
class FileRun:
    transcript: Transcript
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0  # wall-clock seconds the run took

    @property
    def failures(self) -> list[Outcome]:
        """Commands whose output differs (errors excluded), included files' too."""
        return [o for o in self.outcomes if o.error is None and not o.matched]

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]

    @property
    def own(self) -> list[Outcome]:
        """The outcomes of the file's own commands (not of the files it includes)."""
        return [o for o in self.outcomes if o.command.path == self.transcript.path]


def output_lines(text: str, status: int) -> tuple[str, ...]:
    """What a transcript shows: lines without trailing spaces or trailing blank lines, ``[N]``."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    if status:
        lines.append(f"[{status}]")
    return tuple(lines)


class Lab(Protocol):
    """A world of machines. Methods raise :class:`LabError` (or NotSimulated) when they cannot."""

    def has_machine(self, name: str) -> bool: ...

    def add_machine(self, name: str) -> None: ...

    def connect(self, a: str, a_if: str, b: str, b_if: str) -> None: ...

    def sleep(self, seconds: float) -> None: ...

    def copy_in(self, machine: str, path: str, data: bytes) -> None: ...

    def reboot(self, machine: str) -> None: ...

    def run(self, machine: str, text: str) -> tuple[str, int]:
        """Run a command line (``sudo`` already dropped): its combined output and status."""
        ...


def run_file(path: str | Path, lab: Lab) -> FileRun:
    """Parse (TranscriptError if malformed) and run one transcript in ``lab``."""
    transcript = read_transcript(path)
    driver = Driver(lab)
    start = time.monotonic()
    driver.transcript(transcript)
    return FileRun(transcript, driver.outcomes, time.monotonic() - start)


class Driver:
    """Carries out commands in ``lab``, one :class:`Outcome` each (a file's, or ``nflab shell``'s)."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self.outcomes: list[Outcome] = []
        self.including: list[str] = []

    def transcript(self, transcript: Transcript) -> None:
        for command in transcript.commands:
            self.outcomes.append(self.command(command))

    def command(self, command: Command) -> Outcome:
        try:
            if command.machine == "lab":
                return self.lab_command(command)
            return self.on_machine(command)
        except NotSimulated as gap:
            return Outcome(command, error=f"{gap.what} is not simulated (yet)")
        except LabError as err:
            return Outcome(command, error=str(err))
        except Exception as exc:  # a bug in nflab: say where, keep going
            detail = "".join(traceback.format_exception(exc)).rstrip()
            return Outcome(command, error=f"nflab crashed:\n{detail}")

    def on_machine(self, command: Command) -> Outcome:
        if not self.lab.has_machine(command.machine):
            raise LabError(f"no machine `{command.machine}` (create it with `lab# machines {command.machine}`)")
        text = command.text
        if text.startswith("sudo "):
            text = text[5:].lstrip()
        output, status = self.lab.run(command.machine, text)
        return Outcome(command, output_lines(output, status), status)

    # -- lab# commands -------------------------------------------------------------------

    def lab_command(self, command: Command) -> Outcome:
        op, *args = command.text.split()
        if op == "machines":
            for name in args:
                self.lab.add_machine(name)
        elif op == "sleep":
            self.lab.sleep(float(args[0]))
        elif op == "connect":
            self.connect(args)
        elif op == "include":
            return self.include(command, args[0])
        elif op == "copy":
            self.copy(command, args[0], args[1])
        elif op == "trace":
            return self.trace(command)
        elif op == "reboot":
            self.lab.reboot(args[0])
        else:
            raise LabError(f"unknown lab command `{op}`")
        return Outcome(command)

    def trace(self, command: Command) -> Outcome:
        """``lab# trace`` (see :mod:`.tracecmd`); a lab without ``start_trace`` (the real
        kernel) runs the command and is held only to the output before the report."""
        request = parse_trace(command.text)
        start = getattr(self.lab, "start_trace", None)
        stop = getattr(self.lab, "stop_trace", None)
        if start is None or stop is None:
            untraced = replace(command, expected=before_report(command.expected))
            if request.mode != "run":
                return Outcome(untraced)
            inner = self.on_machine(replace(command, machine=request.machine, text=request.text))
            return Outcome(untraced, inner.actual, inner.status)
        if request.mode == "on":
            start(request.level)
            return Outcome(command)
        if request.mode == "off":
            return Outcome(command, tuple(stop()))
        start(request.level)
        try:
            inner = self.on_machine(replace(command, machine=request.machine, text=request.text))
        finally:
            report = tuple(stop())
        # the command's status line goes last, after the report, where a status belongs
        lines = inner.actual[:-1] if inner.status else inner.actual
        status = (f"[{inner.status}]",) if inner.status else ()
        return Outcome(command, (*lines, "", *report, *status), inner.status)

    def connect(self, args: list[str]) -> None:
        ends = [a.partition(":") for a in args]
        if len(ends) != 2 or any(not sep or not m or not i for m, sep, i in ends):
            raise LabError("usage: lab# connect MACHINE:IF MACHINE:IF")
        (a, _, a_if), (b, _, b_if) = ends
        self.lab.connect(a, a_if, b, b_if)

    def include(self, command: Command, name: str) -> Outcome:
        path = str(Path(command.path).parent / name)
        if not Path(path).is_file():
            raise LabError(f"include: {name}: No such file or directory")
        if str(Path(path).resolve()) in self.including:
            raise LabError(f"include: {name}: recursive include")
        try:
            included = read_transcript(path)
        except TranscriptError as err:
            raise LabError(f"include: {err}") from None
        start = len(self.outcomes)
        self.including.append(str(Path(path).resolve()))
        try:
            self.transcript(included)
        finally:
            self.including.pop()
        # as the kernel runner reports it: one line per differing command of that file
        bad = [o for o in self.outcomes[start:] if not o.matched and o.command.path == path]
        lines = [f"lab: include: {name}:{o.command.line}: output differs: {o.command.source}" for o in bad]
        return Outcome(command, output_lines("\n".join(lines), 1 if bad else 0), 1 if bad else 0)

    def copy(self, command: Command, name: str, destination: str) -> None:
        machine, _, target = destination.partition(":")
        try:
            data = (Path(command.path).parent / name).read_bytes()
        except OSError:
            raise LabError(f"copy: {name}: No such file or directory") from None
        self.lab.copy_in(machine, target, data)
