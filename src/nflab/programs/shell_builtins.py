"""The builtins of the simulated bash and dash: ``echo``, ``printf``, ``true``, ``false``, ``pwd``.

They print their errors with the shell's prefix (``/bin/bash: line 1: printf: ...``,
``sh: 1: printf: ...``). The other builtins of the two shells are refused as not
simulated rather than reported as unknown commands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .base import Io
from .printing import bash_echo, dash_echo, printf_format
from .system import NotSimulated, System

Builtin = Callable[[Sequence[str], Io, System, str], int]
"""A shell builtin: argv, its I/O, the machine, the shell's message prefix (``sh: 1: ``)."""

UNSIMULATED_BUILTINS = frozenset((
    "cd", "export", "unset", "set", "exit", "return", "exec", "eval", "source", ".", "read",
    "test", "[", "wait", "kill", "trap", "type", "command", "hash", "alias", "unalias",
    "shift", "local", "declare", "typeset", "let", "ulimit", "umask", "getopts", "jobs",
    "fg", "bg", "times", "readonly", "break", "continue",
))  # fmt: skip


def _bash_echo(argv: Sequence[str], io: Io, system: System, prefix: str) -> int:
    io.out(bash_echo(argv[1:]))
    return 0


def _dash_echo(argv: Sequence[str], io: Io, system: System, prefix: str) -> int:
    io.out(dash_echo(argv[1:]))
    return 0


def _printf(argv: Sequence[str], io: Io, prefix: str, bash: bool) -> int:
    args = list(argv[1:])
    if args and args[0] == "--":
        args.pop(0)
    if bash and args and args[0].startswith("-") and args[0] != "-":
        raise NotSimulated(f"printf {args[0]}")
    if not args:
        if bash:  # bash's builtin_usage has no "line N" prefix
            io.err("printf: usage: printf [-v var] format [arguments]\n")
        else:
            io.err(f"{prefix}printf: usage: printf format [arg ...]\n")
        return 2
    result = printf_format(args[0], args[1:], "echo" if bash else "dash")
    # a builtin's message goes out at once, its output when the builtin is done
    for kind, arg in result.problems:
        if bash:
            io.err(f"{prefix}printf: {arg}: invalid number\n")
        else:
            what = "expected numeric value" if kind == "invalid" else "not completely converted"
            io.err(f"{prefix}printf: {arg}: {what}\n")
    io.out(result.text)
    return 1 if result.problems else 0


def _bash_printf(argv: Sequence[str], io: Io, system: System, prefix: str) -> int:
    return _printf(argv, io, prefix, bash=True)


def _dash_printf(argv: Sequence[str], io: Io, system: System, prefix: str) -> int:
    return _printf(argv, io, prefix, bash=False)


def _pwd(argv: Sequence[str], io: Io, system: System, prefix: str) -> int:
    if len(argv) > 1:
        raise NotSimulated("pwd options")
    io.out(system.cwd + "\n")
    return 0


def _status(value: int) -> Builtin:
    def builtin(argv: Sequence[str], io: Io, system: System, prefix: str) -> int:
        return value

    return builtin


_COMMON: dict[str, Builtin] = {"true": _status(0), "false": _status(1), "pwd": _pwd}
BASH_BUILTINS: dict[str, Builtin] = {**_COMMON, "echo": _bash_echo, "printf": _bash_printf}
DASH_BUILTINS: dict[str, Builtin] = {**_COMMON, "echo": _dash_echo, "printf": _dash_printf}
