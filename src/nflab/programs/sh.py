"""``sh``, ``bash`` and ``sudo`` as programs, and the entry point for a transcript's command line."""

from __future__ import annotations

from collections.abc import Sequence

from ..lab.files import FsError
from .base import Io
from .registry import find_program
from .shell import Dialect, Shell
from .system import NotSimulated, System


def sh_main(argv: Sequence[str], io: Io, system: System) -> int:
    return _shell_main(argv, io, system, Dialect.DASH)


def bash_main(argv: Sequence[str], io: Io, system: System) -> int:
    return _shell_main(argv, io, system, Dialect.BASH)


def _shell_main(argv: Sequence[str], io: Io, system: System, dialect: Dialect) -> int:
    args = list(argv[1:])
    if args and args[0] == "-c":
        if len(args) < 2:
            raise NotSimulated(f"{argv[0]} -c without a command")
        name = args[2] if len(args) > 2 else argv[0]
        return Shell(system, dialect, name, stdin=io.stdin).run(args[1], io)
    if args and args[0].startswith("-"):
        raise NotSimulated(f"the shell option {args[0]}")
    if not args:  # the script is standard input
        return Shell(system, dialect, argv[0], flag_c=False).run(io.stdin, io)
    try:
        text = system.fs.read(system.fs.resolve(args[0], system.cwd))
    except FsError as err:
        if dialect is Dialect.BASH:
            io.err(f"{argv[0]}: {args[0]}: {err.strerror}\n")
            return 127
        io.err(f"{argv[0]}: 0: cannot open {args[0]}: No such file\n")
        return 2
    return Shell(system, dialect, args[0], stdin=io.stdin, flag_c=False).run(text, io)


def sudo_main(argv: Sequence[str], io: Io, system: System) -> int:
    """sudo as the kernel runner's machines have it: run the command as root (we are root)."""
    args = list(argv[1:])
    while args and args[0].startswith("-"):
        if args[0] in ("-u", "-g") and len(args) > 1:
            args = args[2:]
        elif args[0] == "--":
            args = args[1:]
            break
        else:
            args = args[1:]
    if not args:
        io.err("usage: sudo COMMAND\n")
        return 1
    program = find_program(args[0])
    if program is None:
        io.err(f"sudo: {args[0]}: command not found\n")
        return 1
    return program(args, io, system)


COMMAND_LIMIT = 3600.0  # simulated seconds a foreground command may take
COMMAND_GAP = 0.005  # simulated seconds between two transcript commands


class CommandHung(Exception):
    """A foreground command still running after :data:`COMMAND_LIMIT` simulated seconds."""


def run_command_line(system: System, line: str) -> tuple[str, int]:
    """Run one transcript command line as ``/bin/bash -c LINE`` would: (output, status).

    On a machine with processes the shell runs as a simulated process and the
    lab's time runs until it exits (servers it started with ``&`` go on).
    """
    io = Io()
    spawn = getattr(system, "spawn", None)
    if spawn is None:
        status = Shell(system, Dialect.BASH, "/bin/bash").run(line, io)
        return io.combined, status
    proc = spawn("bash", lambda ctx: Shell(ctx, Dialect.BASH, "/bin/bash").run(line, io))
    scheduler = proc.scheduler
    if not scheduler.run_until(lambda: not proc.alive, COMMAND_LIMIT):
        proc.kill()
        scheduler.run_until(lambda: not proc.alive, 1.0)
        raise CommandHung(f"the command was still running after {COMMAND_LIMIT:.0f} simulated seconds")
    if scheduler.crashes:
        name, exc = scheduler.crashes.pop(0)
        raise exc
    # the next transcript command starts a few milliseconds later on a real machine
    # (a new shell is spawned): what the last one left on the wire settles meanwhile
    scheduler.advance(COMMAND_GAP)
    return io.combined, proc.status or 0
