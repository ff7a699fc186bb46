"""``nflab shell``: type transcript command lines at a prompt and see what they print.

Each line is a transcript command line (``vm# iptables -nvL``, ``lab# machines a b``),
run in one simulated world exactly as ``nflab run`` runs a transcript's lines; its
output is printed as the runner computes it (trailing spaces and blank lines gone,
``[N]`` after a command that exits with status N). A line that cannot run (malformed,
an unknown machine, something nflab does not simulate) prints a one-line ``nflab:``
message and the session goes on. ``exit`` or end of input leaves.

- ``FILE.md``: the session starts from that transcript's state: it runs first, as
  ``lab# include FILE.md`` would, silently but for a warning per command whose output
  differs from the file's.
- ``--record OUT.md``: the session is written to OUT.md as a transcript, one console
  block, after each command: the commands that ran and their actual outputs (a
  starting FILE.md as its ``lab# include``), so that ``nflab run OUT.md`` replays it.
  Paths given to ``lab# include`` and ``lab# copy`` are rewritten relative to OUT.md.

The session (:class:`Session`, :func:`repl`) reads lines from any iterable and writes
to any text stream; :func:`interactive` adds the terminal: GNU readline, its history
in ``~/.nflab_history``, tab completion (:mod:`.completion`), Ctrl-C to drop a line.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from ..lab.world import World
from ..transcript.driver import Driver, Outcome
from ..transcript.model import COMMAND_LINE, Command, TranscriptError
from ..transcript.parse import LAB_COMMANDS, check_lab_command
from ..transcript.runner import SimulatedLab
from ..transcript.update import escape_actual

PROMPT = "nflab> "
HISTORY = "~/.nflab_history"
HELP = f"""\
Type transcript command lines: MACHINE# COMMAND, or lab# {"|".join(LAB_COMMANDS)} ...
e.g. `lab# machines vm`, then `vm# iptables -nvL`. `exit` or Ctrl-D leaves.
"""


class Session:
    """One simulated world and the commands run in it so far (for ``--record``)."""

    def __init__(self, record: Path | None = None):
        self.lab = SimulatedLab(World())
        self.driver = Driver(self.lab)
        self.record = record
        # include/copy paths are relative to this folder (where the record will be read from)
        self.base = (record.parent if record else Path(".")).resolve()
        self.recorded: list[str] = []
        self.count = 0

    @property
    def world(self) -> World:
        return self.lab.world

    def close(self) -> None:
        self.lab.world.shutdown()

    # -- a line --------------------------------------------------------------------------

    def execute(self, line: str, out: TextIO) -> None:
        """Run one command line and print its output, or a one-line message why it cannot."""
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            return
        if line.strip() == "help":
            out.write(HELP)
            return
        m = COMMAND_LINE.fullmatch(line.strip())
        if m is None:
            out.write(f"nflab: not a command line: {line.strip()!r} (expected `MACHINE# COMMAND`)\n")
            return
        machine, text = m.group(1), m.group(2)
        if machine == "lab":
            text = self._rebase_paths(text)
        outcome = self.run(machine, text)
        if outcome.error is not None:
            out.write(f"nflab: {_one_line(outcome.error)}\n")
            return
        out.write("".join(f"{actual}\n" for actual in outcome.actual))

    def run(self, machine: str, text: str) -> Outcome:
        """Run ``MACHINE# TEXT`` through the transcript driver; record it when it ran."""
        self.count += 1
        command = Command(str(self.base / "<shell>"), self.count, machine, text, ())
        if machine == "lab":
            try:
                check_lab_command(command.path, command.line, text)
            except TranscriptError as error:
                return Outcome(command, error=error.message)
        with _uninterruptible():
            outcome = self.driver.command(command)
        if outcome.error is None:
            self._record(command.source, outcome)
        return outcome

    def _rebase_paths(self, text: str) -> str:
        """``lab# include FILE``, ``lab# copy FILE M:PATH``: FILE relative to :attr:`base`."""
        words = text.split()
        if len(words) >= 2 and words[0] in ("include", "copy") and not os.path.isabs(words[1]):
            words[1] = os.path.relpath(Path(words[1]).resolve(), self.base)
            return " ".join(words)
        return text

    # -- starting from a transcript --------------------------------------------------------

    def start_from(self, path: Path, out: TextIO) -> bool:
        """Run ``path`` first (``lab# include``); warn about each command that differs.
        False when it cannot be read."""
        start = len(self.driver.outcomes)
        name = os.path.relpath(path.resolve(), self.base) if self.record else str(path)
        outcome = self.run("lab", f"include {name}")
        if outcome.error is not None:
            out.write(f"nflab: {_one_line(outcome.error)}\n")
            return False
        for o in self.driver.outcomes[start:]:
            if o.matched:
                continue
            why = f"could not run ({_one_line(o.error)})" if o.error else "output differs"
            own = Path(o.command.path).resolve() == path.resolve()
            where = f"{path}:{o.command.line}" if own else o.command.where
            out.write(f"nflab: warning: {where}: {why}: {o.command.source}\n")
        return True

    # -- the record ------------------------------------------------------------------------

    def _record(self, source: str, outcome: Outcome) -> None:
        if self.record is None:
            return
        lines = list(outcome.actual)
        last = len(lines) - 1 if outcome.status else -1
        self.recorded.append(source)
        self.recorded += [line if i == last else escape_actual(line) for i, line in enumerate(lines)]
        self.save()

    def save(self) -> None:
        if self.record is None:
            return
        body = "\n".join(self.recorded)
        text = "# A session of `nflab shell`\n\n```console\n" + body + ("\n" if body else "") + "```\n"
        self.record.write_text(text, encoding="utf-8")


@contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ctrl-C is ignored while a simulated command runs: stopping it halfway would leave
    the world's processes in the middle of a step."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _one_line(error: str | None) -> str:
    """The message of an error; for a crash its traceback's last line."""
    lines = (error or "").strip().splitlines() or ["cannot run"]
    if lines[0] == "nflab crashed:" and len(lines) > 1:
        return f"nflab crashed: {lines[-1].strip()}"
    return lines[0]


def repl(lines: Iterable[str], out: TextIO, session: Session) -> None:
    """Run each line until ``exit`` or the end of ``lines``."""
    for line in lines:
        if line.strip() in ("exit", "quit"):
            break
        session.execute(line, out)
        out.flush()


# -- the terminal --------------------------------------------------------------------------------


def run_shell(start: Path | None, record: Path | None, stdin: TextIO, out: TextIO) -> int:
    """``nflab shell [--record OUT.md] [FILE.md]``: 0, or 2 when FILE.md cannot run."""
    session = Session(record)
    try:
        session.save()
        if start is not None and not session.start_from(start, out):
            return 2
        if stdin.isatty():
            interactive(session, out)
        else:
            repl(stdin, out, session)
    finally:
        session.close()
    return 0


def interactive(session: Session, out: TextIO, history: str = HISTORY) -> None:
    """The prompt on a terminal: readline editing, history and completion."""
    import readline

    from .completion import Completer

    path = os.path.expanduser(history)
    with suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)
    Completer(session.world).install(readline)
    out.write("nflab shell: `help` for help, `exit` or Ctrl-D to leave\n")
    try:
        repl(_prompted(out), out, session)
    finally:
        try:
            readline.write_history_file(path)
        except OSError as error:
            out.write(f"nflab: cannot save the history in {path}: {error.strerror}\n")


def _prompted(out: TextIO) -> Iterator[str]:
    """Lines typed at the prompt; Ctrl-C drops the line being typed, Ctrl-D ends."""
    while True:
        try:
            yield input(PROMPT)
        except KeyboardInterrupt:
            out.write("\n")
        except EOFError:
            out.write("\n")
            return
