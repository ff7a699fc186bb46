"""The small shell: runs a parsed command line on a machine, as bash or as dash.

A transcript's command line runs in bash (``/bin/bash -c LINE``, as the
kernel runner does); ``sh -c`` runs dash. The two differ in their messages
(``/bin/bash: line 1: foo: command not found`` vs ``sh: 1: foo: not found``)
and their builtin ``echo``/``printf``.

Programs of a pipeline run one after the other to completion (they are
simulated and instant); what a program writes on fd 1 and 2 is routed, in
order, to the terminal, the next stage's input, a file or nowhere.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from ..lab.files import FsError
from ..lab.machine import HOME
from .base import Io
from .registry import find_program
from .shell_builtins import BASH_BUILTINS, DASH_BUILTINS, UNSIMULATED_BUILTINS, Builtin
from .shell_syntax import (
    AndOr,
    Redirect,
    Segment,
    ShellSyntaxError,
    SimpleCommand,
    Word,
    parse_script,
)
from .system import NotSimulated, Program, System


class Dialect(Enum):
    BASH = "bash"
    DASH = "dash"


# -- where output goes ---------------------------------------------------------------------


class Sink(Protocol):
    def write(self, text: str) -> None: ...


@dataclass
class TerminalSink:
    io: Io
    fd: int

    def write(self, text: str) -> None:
        if self.fd == 2:
            self.io.err(text)
            return
        # what a command wrote is out of its buffers when it exits: keep the order
        self.io.out(text)
        self.io.flush()


@dataclass
class BufferSink:
    parts: list[str] = field(default_factory=list)

    def write(self, text: str) -> None:
        self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class NullSink:
    def write(self, text: str) -> None:
        return None


@dataclass
class FileSink:
    system: System
    path: str

    def write(self, text: str) -> None:
        try:
            self.system.fs.append(self.path, text)
        except FsError as err:  # a /proc/sys file refusing a value
            raise _WriteFailed(err) from None


class _WriteFailed(Exception):
    def __init__(self, error: FsError):
        super().__init__(error.strerror)
        self.error = error


class _RedirectFailed(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


# -- the shell ---------------------------------------------------------------------------


class Shell:
    def __init__(
        self, system: System, dialect: Dialect, name: str, stdin: str = "", flag_c: bool = True
    ):
        self.system = system
        self.dialect = dialect
        self.name = name  # $0: the prefix of every message
        self.stdin = stdin
        self.flag_c = flag_c  # bash words syntax errors of ``-c`` text as ``NAME: -c: line N``

    @property
    def bash(self) -> bool:
        return self.dialect is Dialect.BASH

    def prefix(self, line: int) -> str:
        return f"{self.name}: line {line}: " if self.bash else f"{self.name}: {line}: "

    def run(self, text: str, io: Io) -> int:
        """Run a command line (or a whole script) with ``io`` as the terminal."""
        try:
            script = parse_script(text, brace_expansion=self.bash)
        except ShellSyntaxError as err:
            io.err(self._syntax_message(err, text))
            return 2
        status = 0
        for item in script.items:
            if item.background:
                self._background(item.body, io)
                status = 0
            else:
                status = self._and_or(item.body, io, False)
        return status

    def _background(self, body: AndOr, io: Io) -> None:
        """``CMD &``: a new process, stdin /dev/null, its terminal output not shown."""
        spawn = getattr(self.system, "spawn", None)
        if spawn is None:  # a machine without processes: run it now
            self._and_or(body, io, True)
            return

        def job(system: System) -> int:
            child = Shell(system, self.dialect, self.name, flag_c=self.flag_c)
            return child._and_or(body, Io(), True)

        spawn(self.name, job)

    def _syntax_message(self, err: ShellSyntaxError, text: str) -> str:
        if not self.bash:
            if err.quote:
                what = "Unterminated quoted string"
            elif err.token is None:
                what = "end of file unexpected"
            else:
                shown = err.token if err.token == "newline" else f'"{err.token}"'
                what = f"{shown} unexpected"
            return f"{self.prefix(err.line)}Syntax error: {what}\n"
        head = f"{self.name}: -c: " if self.flag_c else f"{self.name}: "
        if err.quote:
            return (
                f"{head}line {err.line}: unexpected EOF while looking for matching `{err.quote}'\n"
            )
        token = "newline" if err.want_word else err.token
        if token is None:
            return f"{head}line {err.line + 1}: syntax error: unexpected end of file\n"
        lines = text.split("\n")
        source = lines[err.line - 1] if err.line <= len(lines) else ""
        return (
            f"{head}line {err.line}: syntax error near unexpected token `{token}'\n"
            f"{head}line {err.line}: `{source}'\n"
        )

    def _and_or(self, node: AndOr, io: Io, background: bool) -> int:
        status = self._pipeline(node.first.commands, io, background)
        for op, pipeline in node.rest:
            if (op == "&&") == (status == 0):
                status = self._pipeline(pipeline.commands, io, background)
        return status

    def _pipeline(self, commands: Sequence[SimpleCommand], io: Io, background: bool) -> int:
        # a background job's output is not shown; its stdin is /dev/null (bash -c does that)
        out: Sink = NullSink() if background else TerminalSink(io, 1)
        err: Sink = NullSink() if background else TerminalSink(io, 2)
        data, self.stdin = ("", self.stdin) if background else (self.stdin, "")
        status = 0
        for i, cmd in enumerate(commands):
            last = i == len(commands) - 1
            pipe = BufferSink()
            status = self._simple(cmd, data, out if last else pipe, err, io, background)
            data = pipe.text
        return status

    # -- one simple command ----------------------------------------------------------------

    def _simple(
        self, cmd: SimpleCommand, stdin: str, out: Sink, err: Sink, io: Io, background: bool
    ) -> int:
        prefix = self.prefix(cmd.line)
        argv = [text for word in cmd.words for text in self._expand(word)]
        fds: dict[int, Sink] = {1: out, 2: err}
        try:
            for redirect in cmd.redirects:
                stdin = self._redirect(redirect, fds, stdin, prefix)
        except _RedirectFailed as failed:
            fds[2].write(failed.message + "\n")
            return failed.status
        if not argv:
            return 0
        program = self._lookup(argv[0], prefix)
        if program is None:
            status, message = self._not_found(argv[0], prefix)
            # a background job's error would vanish: show it, nflab lacks a program
            (io.err if background else fds[2].write)(message)
            return status
        proc = Io(stdin=stdin, sink=lambda fd, text: fds[fd].write(text))
        try:
            try:
                status = program(argv, proc, self.system)
            finally:
                proc.flush()  # exit flushes stdio's buffer
        except _WriteFailed as failed:
            fds[2].write(self._write_error(argv[0], failed.error, prefix))
            return 1
        return status

    def _write_error(self, name: str, error: FsError, prefix: str) -> str:
        """What a program says when write(2) fails (bash builtins, dash's, coreutils)."""
        if "/" in name or name not in self._builtins():
            return f"{name}: write error: {error.strerror}\n"
        if self.bash:
            return f"{prefix}{name}: write error: {error.strerror}\n"
        return f"{prefix}{name}: {name}: I/O error\n"

    def _expand(self, word: Word) -> list[str]:
        segments = list(word.segments)
        if segments and not segments[0].quoted:
            first = segments[0].text
            if first == "~" or first.startswith("~/"):
                segments[0] = Segment(HOME + first[1:], False)
        text = "".join(s.text for s in segments)
        if not any(not s.quoted and any(c in s.text for c in "*?[") for s in segments):
            return [text]
        pattern = "".join(s.text if not s.quoted else _glob_escape(s.text) for s in segments)
        if any(part in (".", "..") for part in pattern.split("/")):
            raise NotSimulated(f"pathname expansion of `{text}'")
        fs = self.system.fs
        matches = fs.glob(fs.resolve(pattern, self.system.cwd))
        if not matches:
            return [text]
        if pattern.startswith("/"):
            return matches
        return [posixpath.relpath(m, self.system.cwd) for m in matches]

    def _redirect(self, r: Redirect, fds: dict[int, Sink], stdin: str, prefix: str) -> str:
        if r.op in (">&", "<&"):
            return self._dup(r, fds, stdin, prefix)
        targets = self._expand(r.target) if self.bash else [r.target.text]
        if len(targets) != 1:
            raise _RedirectFailed(f"{prefix}{r.target.text}: ambiguous redirect", 1)
        name = targets[0]
        fs = self.system.fs
        path = fs.resolve(name, self.system.cwd)
        try:
            if r.op == "<":
                if r.fd != 0:
                    raise NotSimulated(f"input redirection of fd {r.fd}")
                return fs.read(path)
            fs.open_for_write(path, append=r.op == ">>")
        except FsError as err:
            raise self._open_failed(name, err, prefix, reading=r.op == "<") from None
        if r.fd in (1, 2):
            fds[r.fd] = FileSink(self.system, path)
        elif r.fd == 0:
            raise NotSimulated("output redirection of fd 0")
        return stdin

    def _open_failed(self, name: str, err: FsError, prefix: str, reading: bool) -> _RedirectFailed:
        if self.bash:
            return _RedirectFailed(f"{prefix}{name}: {err.strerror}", 1)
        if reading:
            return _RedirectFailed(f"{prefix}cannot open {name}: No such file", 2)
        why = "Directory nonexistent" if err.errno in ("ENOENT", "ENOTDIR") else err.strerror
        return _RedirectFailed(f"{prefix}cannot create {name}: {why}", 2)

    def _dup(self, r: Redirect, fds: dict[int, Sink], stdin: str, prefix: str) -> str:
        source = r.target.text
        if r.op == "<&" or not source.isdigit() or r.fd not in (1, 2):
            raise NotSimulated(f"the redirection {r.fd}{r.op}{source}")
        number = int(source)
        if number not in fds:
            raise _RedirectFailed(f"{prefix}{number}: Bad file descriptor", 1 if self.bash else 2)
        fds[r.fd] = fds[number]
        return stdin

    # -- finding the program -------------------------------------------------------------------

    def _lookup(self, name: str, prefix: str) -> Program | None:
        if "/" not in name:
            builtin = self._builtins().get(name)
            if builtin is not None:
                return _bind(builtin, prefix)
            if name in UNSIMULATED_BUILTINS:
                raise NotSimulated(f"the shell builtin `{name}'")
        program = find_program(name)
        if (
            program is None
            and "/" in name
            and self.system.fs.is_file(self.system.fs.resolve(name, self.system.cwd))
        ):
            raise NotSimulated(f"running the file `{name}'")
        return program

    def _not_found(self, name: str, prefix: str) -> tuple[int, str]:
        if "/" not in name:
            return 127, f"{prefix}{name}: {'command not found' if self.bash else 'not found'}\n"
        fs = self.system.fs
        if fs.is_dir(fs.resolve(name, self.system.cwd)):
            return (
                126,
                f"{prefix}{name}: Is a directory\n"
                if self.bash
                else f"{prefix}{name}: Permission denied\n",
            )
        return (
            127,
            f"{prefix}{name}: No such file or directory\n"
            if self.bash
            else f"{prefix}{name}: not found\n",
        )

    def _builtins(self) -> dict[str, Builtin]:
        return BASH_BUILTINS if self.bash else DASH_BUILTINS


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _bind(builtin: Builtin, prefix: str) -> Program:
    def program(argv: Sequence[str], io: Io, system: System) -> int:
        return builtin(argv, io, system, prefix)

    return program
