"""The ``iptables-restore`` program, both flavours and all their names.

``iptables-restore``/``iptables-nft-restore`` (nf_tables) and
``iptables-legacy-restore``; argv and the input in, text and an exit status
out, as 1.8.9 prints them. The restore itself is :mod:`nflab.iptables.restore`.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..iptables.errors import BadArgument, ExitStatus, ParameterProblem, TryHelp, XtablesError
from ..iptables.flavour import VERSION, Flavour, flavour_of
from ..iptables.getopt import NON_OPTION, GetoptLong, LongOpt, glibc_complaint
from ..iptables.restore import Restore, RestoreFailed, RestoreOptions
from ..iptables.restore_format import input_lines
from .base import Host, Io
from .iptables import format_xtables_error, try_help

ReadFile = Callable[[str], str]

_LEGACY_OPTSTRING = "bcvVthnwWM:T:"
_NFT_OPTSTRING = "bcvVthnM:T:wW"
_COMMON = (
    LongOpt("counters", 0, "c"),
    LongOpt("verbose", 0, "v"),
    LongOpt("version", 0, "V"),
    LongOpt("test", 0, "t"),
    LongOpt("help", 0, "h"),
    LongOpt("noflush", 0, "n"),
    LongOpt("modprobe", 1, "M"),
    LongOpt("table", 1, "T"),
)
_LEGACY_OPTIONS = (*_COMMON, LongOpt("wait", 2, "w"), LongOpt("wait-interval", 2, "W"))
_NFT_OPTIONS = (
    *_COMMON,
    LongOpt("ipv4", 0, "4"),
    LongOpt("ipv6", 0, "6"),
    LongOpt("wait", 2, "w"),
    LongOpt("wait-interval", 2, "W"),
)

_HEADS = {
    "legacy": "[-c] [-v] [-V] [-t] [-h] [-n] [-w secs] [-W usecs] [-T table] [-M command] [file]",
    "nft": "[-c] [-v] [-V] [-t] [-h] [-n] [-T table] [-M command] [-4] [-6] [file]",
}
_LONG = ["--counters ]", "--verbose ]", "--version]", "--test ]", "--help ]", "--noflush ]"]
_TAILS = {
    "legacy": [*_LONG, "--wait=<seconds>", "--table=<TABLE> ]", "--modprobe=<command> ]"],
    "nft": [*_LONG, "--table=<TABLE> ]", "--modprobe=<command> ]", "--ipv4 ]", "--ipv6 ]"],
}


def _usage(flavour: Flavour, program: str) -> str:
    """``print_usage``: the head line, then one tab-indented line per long option."""
    lines = [f"Usage: {program} {_HEADS[flavour.name]}"]
    lines += [f"\t   [ {text}" for text in _TAILS[flavour.name]]
    return "\n".join(lines) + "\n"


class _Exit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@dataclass
class _Invocation:
    options: RestoreOptions
    operands: list[str]
    interval_without_wait: bool = False  # legacy: checked once the file is open


def _scan_int(text: str) -> int | None:
    """``sscanf("%i")``: decimal, ``0x`` hex or ``0`` octal after blanks and a sign."""
    found = re.match(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text)
    if found is None:
        return None
    sign, digits = found.groups()
    if digits[:2] in ("0x", "0X"):
        value = int(digits, 16)
    elif digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    return -value if sign == "-" else value


def _parse_options(argv: Sequence[str], io: Io, flavour: Flavour, program: str) -> _Invocation:
    """The option loop of ``ip46tables_restore_main`` / ``xtables_restore_main``."""
    legacy = not flavour.is_nft
    longopts = _LEGACY_OPTIONS if legacy else _NFT_OPTIONS
    cursor = GetoptLong(argv, _LEGACY_OPTSTRING if legacy else _NFT_OPTSTRING)
    flags: set[str] = set()
    verbose = 0
    table: str | None = None
    operands: list[str] = []
    wait = 0
    interval = False
    while (found := cursor.next(longopts)) is not None:
        c, arg = found.code, found.arg
        if c == NON_OPTION:
            assert arg is not None
            operands.append(arg)  # glibc permutes operands to the end
        elif c == "b":
            io.err("-b/--binary option is not implemented\n")
        elif c in ("c", "n", "t"):
            flags.add(str(c))
        elif c == "v":
            verbose += 1
        elif c == "V":
            io.out(f"{program} v{VERSION} ({flavour.tag})\n")
            raise _Exit(0)
        elif c == "h":
            io.err(_usage(flavour, program))
            raise _Exit(0)
        elif c == "M":
            pass  # no modules to load in a simulated kernel
        elif c == "T":
            table = arg
        elif c in ("w", "W") and not legacy:
            if arg is None and cursor.has_arg():
                cursor.take()  # ignored by xtables-restore, with its argument
        elif c == "w":
            wait = _legacy_wait(cursor, arg)
        elif c == "W":
            _legacy_wait_interval(cursor, arg, io)
            interval = True
        else:
            if c not in ("4", "6"):  # --ipv4/--ipv6 are known to getopt, not to the switch
                io.err(f"{argv[0]}: {glibc_complaint(cursor, c, longopts)}\n")
            io.err(f"Try `{program} -h' for more information.\n")
            raise _Exit(1)
    operands += cursor.argv[cursor.optind :]
    options = RestoreOptions("c" in flags, "n" in flags, "t" in flags, verbose, table)
    return _Invocation(options, operands, legacy and interval and not wait)


def _legacy_wait(cursor: GetoptLong, arg: str | None) -> int:
    """``parse_wait_time``: seconds from ``--wait=N`` or the next word."""
    if arg is None and cursor.has_arg():
        arg = cursor.take()
    if arg is None:
        return -1
    value = _scan_int(arg)
    if value is None:
        raise ParameterProblem("wait seconds not numeric")
    return value


def _legacy_wait_interval(cursor: GetoptLong, arg: str | None, io: Io) -> None:
    """``parse_wait_interval``: accepted, checked, and ignored."""
    if arg is None:
        if not cursor.has_arg():
            raise ParameterProblem("wait interval value required")
        arg = cursor.take()
    found = re.match(r"\s*([+-]?)(\d+)", arg)
    if found is None:
        raise ParameterProblem("wait interval not numeric")
    usec = int(found.group(2)) % 2**32
    if found.group(1) == "-":
        usec = -usec % 2**32
    if usec > 999999:
        raise ParameterProblem(f"too long usec wait {usec} > 999999 usec")
    io.err("Ignoring deprecated --wait-interval option.\n")


def iptables_restore_main(
    argv: Sequence[str], io: Io, host: Host, read_file: ReadFile | None = None
) -> int:
    """Run ``iptables-restore``; ``read_file`` reads the machine's file named by the operand
    (raising an error with a ``strerror``, as ``OSError`` has, when it cannot)."""
    flavour, program = flavour_of(argv[0])
    restore: Restore | None = None
    try:
        invocation = _parse_options(argv, io, flavour, program)
        operands = invocation.operands
        if len(operands) > 1:
            io.err("Unknown arguments found on commandline\n")
            return 1
        text = io.stdin
        if operands:
            try:
                if read_file is None:
                    raise FileNotFoundError(2, "No such file or directory")
                text = read_file(operands[0])
            except Exception as err:  # OSError or the lab's FsError: both carry strerror
                if not hasattr(err, "strerror"):
                    raise
                io.err(f"Can't open {operands[0]}: {err.strerror}\n")
                return 1
        if invocation.interval_without_wait:
            io.err("Option --wait-interval requires option --wait\n")
            return 1
        ruleset = host.netfilter.ruleset(flavour.name)
        restore = Restore(ruleset, flavour, program, host.names, invocation.options)
        with _collector_paused():
            for buffer in input_lines(text):
                try:
                    restore.feed(buffer)
                finally:
                    if restore.warnings or restore.output:
                        _drain(restore, io)
            restore.finish()
    except _Exit as done:
        return done.status
    except RestoreFailed as failed:
        io.err(f"{program}: {failed.message}\n")
        return int(failed.status)
    except BadArgument as bad:
        io.err(f"Bad argument `{bad.word}'\n" + try_help(program, _line(restore)))
        return int(ExitStatus.PARAMETER_PROBLEM)
    except TryHelp as th:
        io.err(try_help(program, _line(restore)))
        return int(th.status)
    except XtablesError as err:
        io.err(format_xtables_error(err, flavour, program, _line(restore)))
        return int(err.status)
    return 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A restore builds hundreds of thousands of long-lived objects and frees almost none:
    the cyclic collector would rescan them over and over (a quarter of the time for
    100k rules). Pause it for the load, as bulk loaders do; it resumes as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _line(restore: Restore | None) -> int:
    """The restore's global ``line``: 0 while options are read."""
    return restore.line if restore is not None else 0


def _drain(restore: Restore, io: Io) -> None:
    for warning in restore.warnings:
        io.err(warning + "\n")
    restore.warnings.clear()
    if restore.output:
        io.out("".join(restore.output))
        restore.output.clear()
