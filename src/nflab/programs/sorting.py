"""coreutils 9.1 ``sort``: ``-n -r -u -f -s -k F[,F] -t SEP`` in the C.UTF-8 locale.

Lines compare by their key, then (unless ``-s`` or ``-u``) by the whole
line, byte by byte; ``-r`` reverses both, as GNU sort does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..lab.files import FsError
from .base import Io
from .gnu_getopt import NO_ARG, GetoptError, LongOpt, gnu_getopt
from .system import NotSimulated, System, error, read_input, text_lines

_R, _O = 1, 2
SORT_LONG = tuple(
    LongOpt(name, has_arg, code)
    for name, has_arg, code in (
        ("ignore-leading-blanks", NO_ARG, "b"), ("check", _O, "c"),
        ("compress-program", _R, "--compress-program"), ("debug", NO_ARG, "--debug"),
        ("dictionary-order", NO_ARG, "d"), ("files0-from", _R, "--files0-from"),
        ("general-numeric-sort", NO_ARG, "g"), ("ignore-case", NO_ARG, "f"),
        ("ignore-nonprinting", NO_ARG, "i"), ("key", _R, "k"), ("merge", NO_ARG, "m"),
        ("month-sort", NO_ARG, "M"), ("numeric-sort", NO_ARG, "n"),
        ("human-numeric-sort", NO_ARG, "h"), ("version-sort", NO_ARG, "V"),
        ("random-sort", NO_ARG, "R"), ("random-source", _R, "--random-source"),
        ("sort", _R, "--sort"), ("output", _R, "o"), ("reverse", NO_ARG, "r"),
        ("stable", NO_ARG, "s"), ("batch-size", _R, "--batch-size"),
        ("buffer-size", _R, "S"), ("field-separator", _R, "t"),
        ("temporary-directory", _R, "T"), ("unique", NO_ARG, "u"),
        ("zero-terminated", NO_ARG, "z"), ("parallel", _R, "--parallel"),
        ("help", NO_ARG, "--help"), ("version", NO_ARG, "--version"),
    )
)  # fmt: skip
SHORTOPTS = "-bcCdfghik:mMno:rRsS:t:T:uVy:z"
_NUMBER = re.compile(r"[ \t]*(-?)(\d*)(?:\.(\d*))?")


@dataclass(frozen=True)
class _Key:
    start: int  # field numbers, 1-based
    end: int | None


@dataclass
class _Spec:
    numeric: bool = False
    reverse: bool = False
    unique: bool = False
    fold: bool = False
    stable: bool = False
    separator: str | None = None
    key: _Key | None = None


def sort_main(argv: Sequence[str], io: Io, system: System) -> int:
    prog = argv[0]
    try:
        parsed = gnu_getopt(argv, SHORTOPTS.lstrip("-"), SORT_LONG)
    except GetoptError as err:
        error(io, f"{prog}: {err.message}\nTry '{prog} --help' for more information.\n")
        return 2
    spec = _Spec()
    for code, arg in parsed.options:
        if code in ("n", "r", "u", "f", "s"):
            setattr(
                spec,
                {"n": "numeric", "r": "reverse", "u": "unique", "f": "fold", "s": "stable"}[
                    str(code)
                ],
                True,
            )
        elif code == "k" and arg is not None and (m := re.fullmatch(r"(\d+)(?:,(\d+))?", arg)):
            spec.key = _Key(int(m.group(1)), int(m.group(2)) if m.group(2) else None)
        elif code == "t" and arg is not None and len(arg) == 1:
            spec.separator = arg
        else:
            key = str(code)
            raise NotSimulated(
                f"sort option {key if key.startswith('--') else '-' + key} {arg or ''}".rstrip()
            )
    lines: list[str] = []
    for name in parsed.operands or ("-",):
        try:
            text = read_input(system, io, name)
        except FsError as err:
            why = "read failed" if err.errno == "EISDIR" else "cannot read"
            error(io, f"{prog}: {why}: {name}: {err.strerror}\n")
            return 2
        lines.extend(text_lines(text))
    def by_key(a: str, b: str) -> int:
        return _compare(a, b, spec, last_resort=True)

    ordered = sorted(lines, key=functools.cmp_to_key(by_key))
    if spec.unique:
        unique: list[str] = []
        for line in ordered:
            if not unique or _compare(unique[-1], line, spec, last_resort=False) != 0:
                unique.append(line)
        ordered = unique
    io.out("".join(line + "\n" for line in ordered))
    return 0


def _compare(a: str, b: str, spec: _Spec, last_resort: bool) -> int:
    ka, kb = _key_text(a, spec), _key_text(b, spec)
    if spec.numeric:
        diff = _cmp(_number(ka), _number(kb))
    elif spec.fold:
        diff = _cmp(ka.upper(), kb.upper())
    else:
        diff = _cmp(ka, kb)
    if diff == 0 and last_resort and not spec.stable and not spec.unique:
        diff = _cmp(a, b)
    return -diff if spec.reverse else diff


def _cmp(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def _number(text: str) -> float:
    m = _NUMBER.match(text)
    assert m is not None
    sign, whole, frac = m.groups()
    if not whole and not frac:
        return 0.0
    value = float(f"{whole or 0}.{frac or 0}")
    return -value if sign else value


def _key_text(line: str, spec: _Spec) -> str:
    if spec.key is None:
        return line
    bounds = _fields(line, spec.separator)
    start = spec.key.start - 1
    if start >= len(bounds):
        return ""
    end = len(bounds) - 1 if spec.key.end is None else min(spec.key.end - 1, len(bounds) - 1)
    if end < start:
        return ""
    return (
        line[bounds[start][0] : bounds[end][1]]
        if spec.key.end is not None
        else line[bounds[start][0] :]
    )


def _fields(line: str, separator: str | None) -> list[tuple[int, int]]:
    """(start, end) of each field: blank-to-nonblank transitions, or split at SEP."""
    if separator is not None:
        out: list[tuple[int, int]] = []
        pos = 0
        for part in line.split(separator):
            out.append((pos, pos + len(part)))
            pos += len(part) + 1
        return out
    return [(m.start(), m.end()) for m in re.finditer(r"[ \t]*[^ \t]+|[ \t]+$", line)]
