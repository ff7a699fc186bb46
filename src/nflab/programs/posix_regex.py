"""GNU basic and extended regular expressions (as grep reads them), translated to Python ``re``.

The translation covers POSIX bracket expressions and classes, BRE's
``\\( \\) \\{ \\} \\| \\+ \\?`` and the GNU escapes (``\\< \\> \\b \\w \\s``...).
Errors carry GNU grep's texts. Python's ``re`` picks the leftmost *first*
alternative where POSIX picks the leftmost *longest*: this only shows in
``grep -o`` with alternatives that are prefixes of each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .system import NotSimulated

CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "0-9a-zA-Z",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
    "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f",
}

_ESCAPES = {"<": r"\b(?=\w)", ">": r"\b(?<=\w)", "b": r"\b", "B": r"\B", "w": r"\w",
            "W": r"\W", "s": r"\s", "S": r"\S", "`": r"\A", "'": r"\Z"}  # fmt: skip
_INTERVAL = re.compile(r"(\d*)(,?)(\d*)")


class RegexError(Exception):
    """An invalid pattern, with grep's message (``Unmatched ( or \\(``)."""


@dataclass
class Translation:
    pattern: str
    warnings: list[str] = field(default_factory=list)


def translate(pattern: str, extended: bool) -> Translation:
    return _Translator(pattern, extended).run()


class _Translator:
    def __init__(self, pattern: str, extended: bool):
        self.p = pattern
        self.ere = extended
        self.i = 0
        self.out: list[str] = []
        self.depth = 0
        self.warnings: list[str] = []
        self.at_start = True  # where a repetition operator would have nothing to repeat
        self.quantified = False  # the last thing emitted was a repetition operator

    def run(self) -> Translation:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c == "\\":
                self._escape()
            elif c == "[":
                self._emit(self._bracket())
            elif c == ".":
                self._emit(".")
            elif c == "^":
                self._caret()
            elif c == "$":
                self._dollar()
            elif c == "*":
                self._repeat("*")
            elif self.ere and c in "+?":
                self._repeat(c)
            elif self.ere and c == "{":
                self._interval()
            elif self.ere and c == "(":
                self._open()
            elif self.ere and c == ")" and self.depth:
                self._close()
            elif self.ere and c == "|":
                self._alternative()
            else:
                self._emit(re.escape(c))
        if self.depth:
            raise RegexError("Unmatched ( or \\(")
        return Translation("".join(self.out), self.warnings)

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.at_start = False
        self.quantified = False

    def _escape(self) -> None:
        p = self.p
        if self.i >= len(p):
            raise RegexError("Trailing backslash")
        c = p[self.i]
        self.i += 1
        if not self.ere and c == "(":
            self._open()
        elif not self.ere and c == ")":
            if not self.depth:
                raise RegexError("Unmatched ) or \\)")
            self._close()
        elif not self.ere and c == "|":
            self._alternative()
        elif not self.ere and c == "{":
            self._interval()
        elif not self.ere and c in "+?":
            self._repeat(c)
        elif c in _ESCAPES:
            self._emit(_ESCAPES[c])
        elif c.isdigit() and c != "0":
            self._emit("\\" + c)
        else:
            self._emit(re.escape(c))

    def _caret(self) -> None:
        if self.ere or self.at_start:
            self.out.append("^")
        else:
            self._emit(re.escape("^"))

    def _dollar(self) -> None:
        rest = self.p[self.i :]
        if self.ere or rest == "" or rest.startswith("\\)") or rest.startswith("\\|"):
            self.out.append("$")
        else:
            self._emit(re.escape("$"))

    def _repeat(self, op: str) -> None:
        if self.at_start:
            if not self.ere and op == "*":
                self._emit(re.escape("*"))  # a leading BRE star is an ordinary character
                return
            self.warnings.append(f"{op} at start of expression")
            return
        self._quantifier(op)

    def _quantifier(self, text: str) -> None:
        if self.quantified:
            # ``a**`` is ``a*`` in POSIX, but Python reads ``a*+`` as possessive, ``a+?`` as lazy
            if text != self.out[-1]:
                raise NotSimulated(f"the stacked repetition in the pattern {self.p!r}")
            return
        self.out.append(text)
        self.quantified = True

    def _interval(self) -> None:
        close = "\\}" if not self.ere else "}"
        end = self.p.find(close, self.i)
        body = self.p[self.i : end] if end >= 0 else None
        m = _INTERVAL.fullmatch(body) if body is not None else None
        if m is None or (not m.group(1) and not m.group(3) and not m.group(2)):
            if self.ere:  # GNU: a brace that starts no valid interval is literal
                self._emit(re.escape("{"))
                return
            raise RegexError("Unmatched \\{" if end < 0 else "Invalid content of \\{\\}")
        low, comma, high = m.groups()
        if low and high and int(low) > int(high):
            raise RegexError("Invalid content of \\{\\}")
        assert end >= 0
        self.i = end + len(close)
        if self.at_start:
            self.warnings.append("{...} at start of expression")
            return
        self._quantifier("{" + (low or "0") + (comma + high if comma else "") + "}")

    def _open(self) -> None:
        self.depth += 1
        self.out.append("(")
        self.at_start = True
        self.quantified = False

    def _close(self) -> None:
        self.depth -= 1
        self._emit(")")

    def _alternative(self) -> None:
        self.out.append("|")
        self.at_start = True
        self.quantified = False

    def _bracket(self) -> str:
        p = self.p
        i = self.i
        parts: list[str] = []
        negate = i < len(p) and p[i] == "^"
        if negate:
            i += 1
        first = True
        if i >= len(p):
            raise RegexError("Invalid regular expression")  # glibc: nothing after the ``[``
        while True:
            if i >= len(p):
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            c = p[i]
            if c == "]" and not first:
                break
            first = False
            if c == "[" and i + 1 < len(p) and p[i + 1] in ":=.":
                kind = p[i + 1]
                end = p.find(kind + "]", i + 2)
                if end < 0:
                    raise RegexError("Unmatched [, [^, [:, [., or [=")
                name = p[i + 2 : end]
                if kind == ":":
                    if name not in CLASSES:
                        raise RegexError("Invalid character class name")
                    parts.append(CLASSES[name])
                else:
                    parts.append(re.escape(name))
                i = end + 2
                continue
            if c == "-" and parts and i + 1 < len(p) and p[i + 1] != "]":
                if len(parts[-1]) == 1 and p[i + 1] != "[" and ord(p[i + 1]) < ord(p[i - 1]):
                    raise RegexError("Invalid range end")
                parts.append("-")
            else:
                parts.append(re.escape(c) if c in "\\]^-[" else c)
            i += 1
        self.i = i + 1
        return "[" + ("^" if negate else "") + "".join(parts) + "]"


def compile_pattern(
    pattern: str, extended: bool, fixed: bool, ignore_case: bool
) -> tuple[re.Pattern[str], list[str]]:
    """A Python regex for one grep pattern, and grep's warnings about it."""
    if fixed:
        return re.compile(re.escape(pattern), re.IGNORECASE if ignore_case else 0), []
    result = translate(pattern, extended)
    try:
        return re.compile(result.pattern, re.IGNORECASE if ignore_case else 0), result.warnings
    except re.error as err:
        raise NotSimulated(f"the pattern {pattern!r} ({err})") from None
