"""GNU grep 3.8: ``-E -F -G -e -i -v -w -x -c -n -q -s -h -H -l -L -m -o``.

Exit status 0 when a line was selected, 1 when none, 2 on an error (a
selected line with ``-q`` wins over an error, as in GNU grep).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..lab.files import FsError
from .base import Io
from .gnu_getopt import NO_ARG, GetoptError, LongOpt, gnu_getopt
from .posix_regex import RegexError, compile_pattern
from .system import NotSimulated, System, error, read_input, text_lines

_R = 1  # required argument
_O = 2  # optional argument

# In grep's own order: glibc lists ambiguous abbreviations in this order.
LONGOPTS = tuple(
    LongOpt(name, has_arg, code)
    for name, has_arg, code in (
        ("basic-regexp", NO_ARG, "G"), ("extended-regexp", NO_ARG, "E"),
        ("fixed-regexp", NO_ARG, "F"), ("fixed-strings", NO_ARG, "F"),
        ("perl-regexp", NO_ARG, "P"), ("after-context", _R, "A"),
        ("before-context", _R, "B"), ("binary-files", _R, "--binary-files"),
        ("byte-offset", NO_ARG, "b"), ("context", _R, "C"),
        ("color", _O, "--color"), ("colour", _O, "--color"), ("count", NO_ARG, "c"),
        ("devices", _R, "D"), ("directories", _R, "d"),
        ("dereference-recursive", NO_ARG, "R"), ("exclude", _R, "--exclude"),
        ("exclude-from", _R, "--exclude-from"), ("exclude-dir", _R, "--exclude-dir"),
        ("file", _R, "f"), ("files-with-matches", NO_ARG, "l"),
        ("files-without-match", NO_ARG, "L"), ("group-separator", _R, "--group-separator"),
        ("help", NO_ARG, "--help"), ("include", _R, "--include"),
        ("ignore-case", NO_ARG, "i"), ("no-ignore-case", NO_ARG, "--no-ignore-case"),
        ("initial-tab", NO_ARG, "T"), ("label", _R, "--label"),
        ("line-buffered", NO_ARG, "--line-buffered"), ("line-number", NO_ARG, "n"),
        ("line-regexp", NO_ARG, "x"), ("max-count", _R, "m"),
        ("no-filename", NO_ARG, "h"), ("no-group-separator", NO_ARG, "--no-group-separator"),
        ("no-messages", NO_ARG, "s"), ("null", NO_ARG, "Z"), ("null-data", NO_ARG, "z"),
        ("only-matching", NO_ARG, "o"), ("quiet", NO_ARG, "q"), ("recursive", NO_ARG, "r"),
        ("regexp", _R, "e"), ("invert-match", NO_ARG, "v"), ("silent", NO_ARG, "q"),
        ("text", NO_ARG, "a"), ("binary", NO_ARG, "U"), ("version", NO_ARG, "V"),
        ("with-filename", NO_ARG, "H"), ("word-regexp", NO_ARG, "w"),
    )
)  # fmt: skip
SHORTOPTS = "0123456789A:B:C:D:EFGHIPTUVX:abcd:e:f:hiLlm:noqRrsuvwxyZz"
SIMULATED = set("EFGeivwxcnqshHlLmoy") | {"--no-ignore-case"}


def grep_main(argv: Sequence[str], io: Io, system: System) -> int:
    prog = argv[0]
    usage = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    try:
        parsed = gnu_getopt(argv, SHORTOPTS, LONGOPTS)
    except GetoptError as err:
        error(io, f"{prog}: {err.message}\n{usage}")
        return 2
    opts: dict[str, object] = {}
    patterns: list[str] = []
    max_count: int | None = None
    for code, arg in parsed.options:
        key = str(code)
        if key not in SIMULATED:
            raise NotSimulated(f"grep option {key if key.startswith('--') else '-' + key}")
        if key == "e":
            assert arg is not None
            patterns.extend(arg.split("\n"))
        elif key == "m":
            assert arg is not None
            if not re.fullmatch(r"\s*[-+]?\d+", arg):
                error(io, f"{prog}: invalid max count\n")
                return 2
            max_count = int(arg)
        elif key == "--no-ignore-case":
            opts.pop("i", None)
        else:
            opts["i" if key == "y" else key] = True
    operands = list(parsed.operands)
    if not patterns:
        if not operands:
            error(io, usage)
            return 2
        patterns = operands.pop(0).split("\n")
    try:
        matcher = _Matcher(patterns, opts)
    except RegexError as err:
        error(io, f"{prog}: {err}\n")
        return 2
    for warning in matcher.warnings:
        error(io, f"{prog}: warning: {warning}\n")
    return _search(prog, io, system, operands or ["-"], opts, matcher, max_count)


class _Matcher:
    def __init__(self, patterns: list[str], opts: dict[str, object]):
        self.regexes: list[re.Pattern[str]] = []
        self.warnings: list[str] = []
        for pattern in patterns:
            regex, warnings = compile_pattern(pattern, "E" in opts, "F" in opts, "i" in opts)
            self.regexes.append(regex)
            self.warnings.extend(warnings)
        self.whole_line = "x" in opts
        self.word = "w" in opts

    def _spans(self, regex: re.Pattern[str], line: str) -> Iterator[tuple[int, int]]:
        for m in regex.finditer(line):
            start, end = m.span()
            if self.whole_line and (start, end) != (0, len(line)):
                if regex.fullmatch(line):
                    yield 0, len(line)
                continue
            if self.word and not _word_bounded(line, start, end):
                continue
            yield start, end

    def matches(self, line: str) -> bool:
        if self.whole_line:
            return any(r.fullmatch(line) for r in self.regexes)
        return any(next(self._spans(r, line), None) is not None for r in self.regexes)

    def parts(self, line: str) -> list[str]:
        """The non-empty matched parts, left to right (``-o``)."""
        spans = sorted({s for r in self.regexes for s in self._spans(r, line) if s[1] > s[0]})
        out: list[str] = []
        pos = 0
        for start, end in spans:
            if start >= pos:
                out.append(line[start:end])
                pos = end
        return out


def _word_bounded(line: str, start: int, end: int) -> bool:
    before = line[start - 1] if start > 0 else ""
    after = line[end] if end < len(line) else ""
    return not _is_word(before) and not _is_word(after)


def _is_word(ch: str) -> bool:
    return bool(ch) and (ch.isalnum() or ch == "_")


def _search(
    prog: str, io: Io, system: System, files: list[str], opts: dict[str, object],
    matcher: _Matcher, max_count: int | None,
) -> int:  # fmt: skip
    show_names = ("H" in opts or len(files) > 1) and "h" not in opts
    selected_any = False
    failed = False
    for name in files:
        label = "(standard input)" if name == "-" else name
        try:
            text = read_input(system, io, name)
        except FsError as err:
            if "s" not in opts:
                error(io, f"{prog}: {name}: {err.strerror}\n")
            failed = True
            continue
        count = 0
        out: list[str] = []
        for number, line in enumerate(text_lines(text), 1):
            if max_count is not None and count >= max_count:
                break
            if matcher.matches(line) == ("v" in opts):
                continue
            count += 1
            lead = (f"{label}:" if show_names else "") + (f"{number}:" if "n" in opts else "")
            if "o" in opts:
                if "v" not in opts:
                    out.extend(f"{lead}{part}\n" for part in matcher.parts(line))
            else:
                out.append(f"{lead}{line}\n")
        selected_any = selected_any or count > 0
        if "q" in opts:
            if count:
                return 0
            continue
        if "l" in opts or "L" in opts:
            if (count > 0) == ("l" in opts):
                io.out(f"{label}\n")
        elif "c" in opts:
            io.out(f"{label}:{count}\n" if show_names else f"{count}\n")
        else:
            io.out("".join(out))
    if failed and not ("q" in opts and selected_any):
        return 2
    return 0 if selected_any else 1
