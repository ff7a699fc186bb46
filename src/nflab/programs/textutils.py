"""coreutils 9.1 text tools: ``cat``, ``head``, ``tail``, ``wc`` (``sort`` is in sorting.py).

Each accepts its full set of options (so a wrong one fails exactly like the
real program) and simulates the common ones; a valid option nflab does not
simulate raises :class:`NotSimulated`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lab.files import FsError
from .base import Io
from .gnu_getopt import NO_ARG, GetoptError, LongOpt, Parsed, gnu_getopt
from .system import NotSimulated, System, error, read_input

_R = 1
_O = 2


def longopts(*table: tuple[str, int, str]) -> tuple[LongOpt, ...]:
    return tuple(LongOpt(name, has_arg, code) for name, has_arg, code in table)


def parse_or_usage(
    argv: Sequence[str], io: Io, short: str, long: Sequence[LongOpt], status: int = 1
) -> Parsed | int:
    """getopt, or glibc's message and coreutils' ``Try 'PROG --help'`` hint."""
    try:
        return gnu_getopt(argv, short, long)
    except GetoptError as err:
        prog = argv[0]
        error(io, f"{prog}: {err.message}\nTry '{prog} --help' for more information.\n")
        return status


def not_simulated(prog: str, code: object) -> NotSimulated:
    key = str(code)
    return NotSimulated(f"{prog} option {key if key.startswith('--') else '-' + key}")


def split_lines(text: str) -> list[str]:
    """Lines with their newline (the last one may lack it); only ``\\n`` ends a line."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


# -- cat -----------------------------------------------------------------------------------

CAT_LONG = longopts(
    ("number-nonblank", NO_ARG, "b"), ("number", NO_ARG, "n"), ("squeeze-blank", NO_ARG, "s"),
    ("show-nonprinting", NO_ARG, "v"), ("show-ends", NO_ARG, "E"), ("show-tabs", NO_ARG, "T"),
    ("show-all", NO_ARG, "A"), ("help", NO_ARG, "--help"), ("version", NO_ARG, "--version"),
)  # fmt: skip


def cat_main(argv: Sequence[str], io: Io, system: System) -> int:
    parsed = parse_or_usage(argv, io, "benstuvAET", CAT_LONG)
    if isinstance(parsed, int):
        return parsed
    number = False
    for code, _ in parsed.options:
        if code == "n":
            number = True
        elif code != "u":  # -u is ignored by cat itself
            raise not_simulated("cat", code)
    status = 0
    line_no = 0
    at_line_start = True
    for name in parsed.operands or ("-",):
        try:
            text = read_input(system, io, name)
        except FsError as err:
            error(io, f"{argv[0]}: {name}: {err.strerror}\n")
            status = 1
            continue
        if not number:
            io.out(text)
            continue
        out: list[str] = []
        for line in split_lines(text):
            if at_line_start:
                line_no += 1
                out.append(f"{line_no:6d}\t")
            out.append(line)
            at_line_start = line.endswith("\n")
        io.out("".join(out))
    return status


# -- head and tail -------------------------------------------------------------------------

HEAD_LONG = longopts(
    ("bytes", _R, "c"), ("lines", _R, "n"), ("quiet", NO_ARG, "q"), ("silent", NO_ARG, "q"),
    ("verbose", NO_ARG, "v"), ("zero-terminated", NO_ARG, "z"), ("help", NO_ARG, "--help"),
    ("version", NO_ARG, "--version"),
)  # fmt: skip
TAIL_LONG = longopts(
    ("bytes", _R, "c"), ("follow", _O, "f"), ("lines", _R, "n"),
    ("max-unchanged-stats", _R, "--max-unchanged-stats"), ("pid", _R, "--pid"),
    ("quiet", NO_ARG, "q"), ("retry", NO_ARG, "--retry"), ("silent", NO_ARG, "q"),
    ("sleep-interval", _R, "s"), ("verbose", NO_ARG, "v"), ("zero-terminated", NO_ARG, "z"),
    ("help", NO_ARG, "--help"), ("version", NO_ARG, "--version"),
)  # fmt: skip


def _suffixes() -> dict[str, int]:
    """xdectoumax's "bkKmMGTPEZY0": ``b`` 512, ``K`` 1024, ``KB`` 1000, ``KiB`` 1024..."""
    table = {"": 1, "b": 512}
    for power, letter in enumerate("KMGTPEZY", 1):
        for name in {letter, letter.lower()} if letter in "KM" else {letter}:
            table[name] = table[name + "iB"] = 1024**power
            table[name + "B"] = 1000**power
    return table


_SUFFIXES = _suffixes()
_MAX = 2**64 - 1


class _BadCount(Exception):
    pass


def _count(text: str) -> tuple[str, int]:
    """``[+-]NUM[SUFFIX]`` → (sign, value), as ``xdectoumax`` reads it."""
    sign = text[:1] if text[:1] in "+-" else ""
    body = text[len(sign) :]
    digits = len(body) - len(body.lstrip("0123456789"))
    suffix = body[digits:]
    if not digits or suffix not in _SUFFIXES:
        raise _BadCount(f"‘{text}’")
    value = int(body[:digits]) * _SUFFIXES[suffix]
    if value > _MAX:
        raise _BadCount(f"‘{text}’: Value too large for defined data type")
    return sign, value


def _obsolete(argv: Sequence[str], tail: bool) -> list[str]:
    """``head -5`` / ``tail -5`` / ``tail +5``: the old count syntax in argv[1]."""
    args = list(argv)
    if len(args) > 1 and args[1][:1] in (("-", "+") if tail else ("-",)) and args[1][1:].isdigit():
        sign = "+" if args[1][0] == "+" else ""
        args[1:2] = ["-n", sign + args[1][1:]]
    return args


def head_main(argv: Sequence[str], io: Io, system: System) -> int:
    return _head_tail(_obsolete(argv, tail=False), io, system, tail=False)


def tail_main(argv: Sequence[str], io: Io, system: System) -> int:
    return _head_tail(_obsolete(argv, tail=True), io, system, tail=True)


def _head_tail(argv: Sequence[str], io: Io, system: System, tail: bool) -> int:
    prog = argv[0]
    short, long = ("c:n:fFqs:vz0123456789", TAIL_LONG) if tail else ("c:n:qvz0123456789", HEAD_LONG)
    parsed = parse_or_usage(argv, io, short, long)
    if isinstance(parsed, int):
        return parsed
    unit, count, sign, headers = "n", 10, "", None
    for code, arg in parsed.options:
        if code in ("n", "c"):
            assert arg is not None
            try:
                sign, count = _count(arg)
            except _BadCount as bad:
                what = "lines" if code == "n" else "bytes"
                error(io, f"{prog}: invalid number of {what}: {bad}\n")
                return 1
            unit = str(code)
        elif code in ("q", "v"):
            headers = code == "v"
        else:
            raise not_simulated(prog, code)
    files = list(parsed.operands) or ["-"]
    show = headers if headers is not None else len(files) > 1
    status = 0
    first = True
    for name in files:
        label = "standard input" if name == "-" else name
        try:
            text = read_input(system, io, name)
        except FsError as err:
            if err.errno == "EISDIR":
                error(io, f"{prog}: error reading '{name}': {err.strerror}\n")
            else:
                error(io, f"{prog}: cannot open '{name}' for reading: {err.strerror}\n")
            status = 1
            continue
        if show:
            io.out(("" if first else "\n") + f"==> {label} <==\n")
        first = False
        items: Sequence[str] = split_lines(text) if unit == "n" else text
        io.out("".join(_select(items, count, sign, tail)))
    return status


def _select(items: Sequence[str], count: int, sign: str, tail: bool) -> Sequence[str]:
    if tail:
        if sign == "+":
            return items[max(count - 1, 0) :]
        return items[len(items) - count :] if count else []
    if sign == "-":
        return items[: max(len(items) - count, 0)]
    return items[:count]


# -- wc ------------------------------------------------------------------------------------

WC_LONG = longopts(
    ("bytes", NO_ARG, "c"), ("chars", NO_ARG, "m"), ("lines", NO_ARG, "l"),
    ("files0-from", _R, "--files0-from"), ("max-line-length", NO_ARG, "L"),
    ("words", NO_ARG, "w"), ("total", _R, "--total"), ("help", NO_ARG, "--help"),
    ("version", NO_ARG, "--version"),
)  # fmt: skip


def wc_main(argv: Sequence[str], io: Io, system: System) -> int:
    prog = argv[0]
    parsed = parse_or_usage(argv, io, "clLmw", WC_LONG)
    if isinstance(parsed, int):
        return parsed
    wanted: set[str] = set()
    for code, _ in parsed.options:
        if code not in ("c", "l", "m", "w"):
            raise not_simulated(prog, code)
        wanted.add(str(code))
    columns = [c for c in "lwmc" if c in wanted] or ["l", "w", "c"]
    files = list(parsed.operands) or ["-"]
    width = _wc_width(system, files, len(columns))
    totals = [0] * len(columns)
    status = 0

    def row(counts: list[int], name: str) -> None:
        line = " ".join(f"{n:{width}d}" for n in counts)
        io.out(line + (f" {name}" if name else "") + "\n")

    for name in files:
        try:
            text = read_input(system, io, name)
        except FsError as err:
            error(io, f"{prog}: {name}: {err.strerror}\n")
            status = 1
            if err.errno == "EISDIR":  # wc still prints a line of zeros for a directory
                row([0] * len(columns), name)
            continue
        counts = {
            "l": text.count("\n"),
            "w": len(text.split()),
            "m": len(text),
            "c": len(text.encode("utf-8", "surrogateescape")),
        }
        values = [counts[c] for c in columns]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        row(values, name if parsed.operands else "")
    if len(files) > 1:
        row(totals, "total")
    return status


def _wc_width(system: System, files: list[str], columns: int) -> int:
    """coreutils' ``compute_number_width``: from the sizes ``stat`` gives before reading."""
    if len(files) == 1 and columns == 1:
        return 1
    minimum, total = 1, 0
    for i, name in enumerate(files):
        path = system.fs.resolve(name, system.cwd)
        if name == "-" or system.fs.is_dir(path):
            minimum = 7  # not a regular file (a pipe, a directory): no size to go by
        elif path in system.fs.files:
            total += system.fs.size(path)
        elif i == 0:
            return 1  # the first file cannot be stat'ed
    return max(len(str(total)), minimum)
