"""``nflab run --kernel``: transcripts on this machine's real kernel.

:func:`preflight` refuses early, in one line, when the host cannot do it
(not root, no namespaces, a program missing). :func:`run_kernel_transcript`
then gives each file a fresh :class:`KernelLab` and removes it afterwards
whatever happens: the end of the file, an error, Ctrl-C, SIGTERM or SIGHUP.
A run killed with SIGKILL leaves its namespaces behind; the next run, or
``nflab clean``, removes them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from ..transcript.driver import FileRun, run_file
from ..transcript.model import TranscriptError
from ..transcript.parse import read_transcript
from .host import KernelUnavailable, require_programs, require_root
from .lab import KernelLab

DEFAULT_TIMEOUT = 60.0


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def namespaces_unavailable() -> str | None:
    """Why this host cannot make network namespaces, or None when it can (tries a throwaway one)."""
    try:
        done = subprocess.run(
            ["unshare", "--net", "--mount", "--", "ip", "link", "show", "lo"],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"cannot run unshare/ip: {err}"
    if done.returncode != 0:
        return f"cannot create a network namespace: {(done.stderr or done.stdout).strip()}"
    return None


def preflight(paths: Sequence[Path], euid: int | None = None) -> None:
    """KernelUnavailable unless this host can run the transcripts: root, namespaces, programs."""
    require_root(os.geteuid() if euid is None else euid)
    reason = namespaces_unavailable()
    if reason is not None:
        raise KernelUnavailable(f"kernel mode needs network namespaces: {reason}")
    require_programs(command_lines(paths))


def command_lines(paths: Sequence[Path]) -> list[str]:
    """The machine command lines of the files and the files they include (unreadable ones skipped)."""
    lines: list[str] = []
    seen: set[Path] = set()
    pending = list(paths)
    while pending:
        path = Path(pending.pop())
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            transcript = read_transcript(path)
        except TranscriptError:
            continue
        for command in transcript.commands:
            words = command.text.split()
            if command.machine != "lab":
                lines.append(command.text)
            elif words[:1] == ["include"] and len(words) == 2:
                pending.append(path.parent / words[1])
    return lines


def run_kernel_transcript(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> FileRun:
    """Parse and run one transcript in a fresh kernel lab (TranscriptError if malformed)."""
    read_transcript(path)  # a malformed file is refused before any namespace exists
    with signals_interrupt(), KernelLab(timeout=timeout) as lab:
        return run_file(path, lab)


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP interrupt like Ctrl-C (KeyboardInterrupt), so that cleanup runs
    (the lab blocks them while it removes itself)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
