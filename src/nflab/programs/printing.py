"""``echo`` and ``printf``: the bash builtins, the dash builtins and coreutils' programs.

The three share the formatting logic and differ in their options, escapes
and error wording (all three are reachable: a command line runs in bash,
``sh -c`` in dash, ``sudo printf`` runs /usr/bin/printf).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .base import Io
from .system import NotSimulated

# -- escapes ---------------------------------------------------------------------------

_SIMPLE = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
           "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}  # fmt: skip


class _Stop(Exception):
    """``\\c``: stop printing altogether."""


def expand_escapes(text: str, style: str) -> tuple[str, bool]:
    """Backslash escapes; returns (text, stopped by ``\\c``).

    ``style``: ``"echo"`` (bash ``echo -e``, coreutils echo, ``%b``: ``\\0NNN``,
    ``\\xHH``), ``"dash"`` (dash echo and ``%b``: no ``\\x``), ``"format"`` (a
    printf format: ``\\NNN`` octal without the leading 0).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        i += 2
        if e == "c":
            return "".join(out), True
        if style == "format" and e in "\"'?":
            out.append(e)
        elif e in _SIMPLE and not (style == "dash" and e in "eE"):
            out.append(_SIMPLE[e])
        elif (e == "0" and style != "format") or (e in "01234567" and style == "format"):
            start = i if style != "format" else i - 1
            m = re.match(r"[0-7]{0,3}" if style != "format" else r"[0-7]{1,3}", text[start:])
            assert m is not None
            out.append(chr(int(m.group(0) or "0", 8) & 0xFF))
            i = start + len(m.group(0))
        elif e == "x" and style != "dash" and (m := re.match(r"[0-9A-Fa-f]{1,2}", text[i:])):
            out.append(chr(int(m.group(0), 16)))
            i += len(m.group(0))
        else:
            out.append("\\" + e)
    return "".join(out), False


# -- echo ------------------------------------------------------------------------------


def bash_echo(args: Sequence[str]) -> str:
    """bash's builtin echo (and coreutils echo): ``-n``, ``-e``, ``-E`` in any bundle."""
    newline, escapes = True, False
    words = list(args)
    while words and re.fullmatch(r"-[neE]+", words[0]):
        for flag in words.pop(0)[1:]:
            if flag == "n":
                newline = False
            else:
                escapes = flag == "e"
    text = " ".join(words)
    if escapes:
        text, stopped = expand_escapes(text, "echo")
        if stopped:
            return text
    return text + ("\n" if newline else "")


def dash_echo(args: Sequence[str]) -> str:
    """dash's builtin echo: only ``-n``, escapes always interpreted."""
    words = list(args)
    newline = True
    if words and words[0] == "-n":
        newline = False
        words.pop(0)
    text, stopped = expand_escapes(" ".join(words), "dash")
    return text if stopped else text + ("\n" if newline else "")


# -- printf ----------------------------------------------------------------------------

_SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])?")
_NUMBER = re.compile(r"\s*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@dataclass
class PrintfResult:
    text: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, argument)


def _to_int(arg: str, result: PrintfResult) -> int:
    if arg[:1] in ("'", '"'):
        return ord(arg[1]) if len(arg) > 1 else 0
    m = _NUMBER.match(arg)
    if m is None:
        if arg.strip():
            result.problems.append(("invalid", arg))
        return 0
    if m.end() != len(arg):
        result.problems.append(("partial", arg))
    value = int(m.group(2), 0) if not re.fullmatch(r"0[0-7]+", m.group(2)) else int(m.group(2), 8)
    return -value if m.group(1) == "-" else value


def _to_float(arg: str, result: PrintfResult) -> float:
    m = _FLOAT.match(arg)
    if m is None:
        if arg.strip():
            result.problems.append(("invalid", arg))
        return 0.0
    if m.end() != len(arg):
        result.problems.append(("partial", arg))
    return float(m.group(0))


def printf_format(fmt: str, args: Sequence[str], escape_style: str = "echo") -> PrintfResult:
    """Apply a printf FORMAT to ARGS, reusing the format while arguments remain."""
    result = PrintfResult()
    pending = list(args)
    out: list[str] = []
    try:
        while True:
            used = _one_pass(fmt, pending, out, result, escape_style)
            if not pending or not used:
                break
    except _Stop:
        pass
    result.text = "".join(out)
    return result


def _one_pass(
    fmt: str, pending: list[str], out: list[str], result: PrintfResult, style: str
) -> bool:
    used = False
    pos = 0
    while pos < len(fmt):
        pct = fmt.find("%", pos)
        literal = fmt[pos:] if pct < 0 else fmt[pos:pct]
        text, stopped = expand_escapes(literal, "format")
        out.append(text)
        if stopped:
            raise _Stop
        if pct < 0:
            break
        m = _SPEC.match(fmt, pct)
        assert m is not None
        flags, width, prec, conv = m.groups()
        pos = m.end()
        if conv == "%":
            out.append("%")
            continue
        if conv is None or conv not in "diouxXcsbeEfFgG":
            raise NotSimulated(f"the printf directive `{m.group(0)}'")
        if "*" in (width, prec):
            raise NotSimulated("printf `*' widths")
        arg = pending.pop(0) if pending else None
        used = used or arg is not None
        spec = "%" + flags + (width or "") + ("." + prec if prec is not None else "")
        out.append(_convert(spec, conv, arg, result, style))
    return used


def _convert(spec: str, conv: str, arg: str | None, result: PrintfResult, style: str) -> str:
    if conv in "sb":
        text = arg or ""
        if conv == "b":
            text, stopped = expand_escapes(text, style)
            if stopped:
                raise _Stop
        return (spec + "s") % text
    if conv == "c":
        return (spec + "s") % (arg or "")[:1]
    if conv in "eEfFgG":
        return (spec + conv) % _to_float(arg or "0", result)
    value = _to_int(arg or "0", result)
    if conv in "ouxX" and value < 0:
        value &= (1 << 64) - 1
    return (spec + {"i": "d", "u": "d"}.get(conv, conv)) % value


# -- the programs ------------------------------------------------------------------------


def echo_main(argv: Sequence[str], io: Io, system: object = None) -> int:
    """/bin/echo (coreutils)."""
    if len(argv) == 2 and argv[1] in ("--help", "--version"):
        raise NotSimulated(f"echo {argv[1]}")
    io.out(bash_echo(argv[1:]))
    return 0


def printf_main(argv: Sequence[str], io: Io, system: object = None) -> int:
    """/usr/bin/printf (coreutils)."""
    prog = argv[0]
    if len(argv) < 2:
        io.err(f"{prog}: missing operand\nTry '{prog} --help' for more information.\n")
        return 1
    if argv[1] in ("--help", "--version"):
        raise NotSimulated(f"printf {argv[1]}")
    result = printf_format(argv[1], argv[2:])
    # the conversion errors come before the (buffered) output, as in a pipe
    for kind, arg in result.problems:
        what = "expected a numeric value" if kind == "invalid" else "value not completely converted"
        io.err(f"{prog}: ‘{arg}’: {what}\n")
    io.out(result.text)
    return 1 if result.problems else 0


def true_main(argv: Sequence[str], io: Io, system: object = None) -> int:
    if len(argv) == 2 and argv[1] in ("--help", "--version"):
        raise NotSimulated(f"{argv[0]} {argv[1]}")
    return 0


def false_main(argv: Sequence[str], io: Io, system: object = None) -> int:
    true_main(argv, io)
    return 1
