"""glibc ``getopt_long`` as iptables drives it.

iptables calls it with an optstring starting ``-:`` (non-options come back in
order as code 1; a missing argument is ``:``) and ``opterr = 0`` (glibc prints
nothing; iptables words the error). Long options may be abbreviated to any
unique prefix, exactly as glibc allows: that is why ``--line`` means
``--line-numbers`` and ``--to`` means ``--to-destination``.

The option list can grow while parsing (``-m tcp`` merges the tcp options),
so the parser is a stateful cursor that re-reads ``longopts`` at every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

NO_ARG, REQUIRED_ARG, OPTIONAL_ARG = 0, 1, 2

NON_OPTION = "\x01"  # the code getopt returns for a non-option word (1)
MISSING_ARG = ":"
UNKNOWN = "?"


@dataclass(frozen=True, slots=True)
class LongOpt:
    name: str
    has_arg: int
    code: object  # a short-option character, or an extension's option key


@dataclass(slots=True)
class Found:
    code: object
    arg: str | None


class OptionTable(tuple[LongOpt, ...]):
    """A long-option list that also indexes its exact names (the first of a name wins,
    as a linear search would find it): what a parser hands getopt on every call."""

    by_name: dict[str, LongOpt]

    def __new__(cls, opts: Iterable[LongOpt]) -> OptionTable:
        table = super().__new__(cls, opts)
        table.by_name = {}
        for opt in table:
            table.by_name.setdefault(opt.name, opt)
        return table


class GetoptLong:
    def __init__(self, argv: Sequence[str], optstring: str):
        self.argv = list(argv)
        self.optind = 1
        self.short = self._parse_optstring(optstring)
        self._nextchar = ""  # rest of a bundle of short options (``-nvL``)
        self.optopt = ""

    @staticmethod
    @cache
    def _parse_optstring(optstring: str) -> dict[str, int]:
        spec = optstring.lstrip("-+").lstrip(":")
        table: dict[str, int] = {}
        i = 0
        while i < len(spec):
            ch = spec[i]
            i += 1
            kind = NO_ARG
            if i < len(spec) and spec[i] == ":":
                kind = REQUIRED_ARG
                i += 1
                if i < len(spec) and spec[i] == ":":
                    kind = OPTIONAL_ARG
                    i += 1
            table[ch] = kind
        return table

    def next(self, longopts: Sequence[LongOpt]) -> Found | None:
        """The next option, or None at the end (``-1``)."""
        argv = self.argv
        if self._nextchar:
            return self._short()
        if self.optind >= len(argv):
            return None
        word = argv[self.optind]
        if word == "--":
            self.optind += 1
            return None
        if not word.startswith("-") or word == "-":
            self.optind += 1
            return Found(NON_OPTION, word)
        if word.startswith("--"):
            self.optind += 1
            return self._long(word[2:], longopts)
        self._nextchar = word[1:]
        self.optind += 1
        return self._short()

    def _long(self, body: str, longopts: Sequence[LongOpt]) -> Found:
        name, eq, value = body.partition("=")
        index = getattr(longopts, "by_name", None)
        if index is not None:
            match = index.get(name)
        else:
            match = next((o for o in longopts if o.name == name), None)
        if match is None:
            candidates = [o for o in longopts if o.name.startswith(name)]
            if not candidates:
                return Found(UNKNOWN, None)
            first = candidates[0]
            # glibc: several prefixes are ambiguous unless they are the same option
            if any((o.has_arg, o.code) != (first.has_arg, first.code) for o in candidates[1:]):
                return Found(UNKNOWN, None)
            match = first
        if eq:
            if match.has_arg == NO_ARG:
                return Found(UNKNOWN, None)
            return Found(match.code, value)
        if match.has_arg == REQUIRED_ARG:
            if self.optind < len(self.argv):
                arg = self.argv[self.optind]
                self.optind += 1
                return Found(match.code, arg)
            return Found(MISSING_ARG, None)
        return Found(match.code, None)

    def _short(self) -> Found:
        ch, self._nextchar = self._nextchar[0], self._nextchar[1:]
        kind = self.short.get(ch)
        if kind is None or ch == ":":
            self.optopt = ch
            return Found(UNKNOWN, None)
        if kind == NO_ARG:
            return Found(ch, None)
        if self._nextchar:
            arg, self._nextchar = self._nextchar, ""
            return Found(ch, arg)
        if kind == OPTIONAL_ARG:
            return Found(ch, None)
        if self.optind < len(self.argv):
            arg = self.argv[self.optind]
            self.optind += 1
            return Found(ch, arg)
        self.optopt = ch
        return Found(MISSING_ARG, None)

    def has_arg(self) -> bool:
        """``xs_has_arg``: the next word exists and is not an option or ``!``."""
        return (
            self.optind < len(self.argv)
            and not self.argv[self.optind].startswith("-")
            and self.argv[self.optind] != "!"
        )

    def take(self) -> str:
        word = self.argv[self.optind]
        self.optind += 1
        return word

    def unread(self) -> None:
        """``optind--``: re-read the current word after new options were merged."""
        self.optind -= 1
        self._nextchar = ""


def glibc_complaint(cursor: GetoptLong, code: object, longopts: Sequence[LongOpt]) -> str:
    """What glibc's getopt prints (``opterr`` set) for an UNKNOWN or MISSING_ARG result.

    The programs that let getopt complain (iptables-save, iptables-restore)
    print this, prefixed with ``argv[0]`` as invoked, before their own hint.
    """
    word = cursor.argv[cursor.optind - 1] if cursor.optind > 0 else ""
    if not word.startswith("--"):
        if code == MISSING_ARG:
            return f"option requires an argument -- '{cursor.optopt}'"
        return f"invalid option -- '{cursor.optopt}'"
    name, eq, _ = word[2:].partition("=")
    match = next((o for o in longopts if o.name == name), None)
    if match is None:
        candidates = [o for o in longopts if o.name.startswith(name)]
        if not candidates:
            return f"unrecognized option '{word}'"
        first = candidates[0]
        # glibc lists the first candidate and those that differ from it (aliases collapse)
        others = [o for o in candidates[1:] if (o.has_arg, o.code) != (first.has_arg, first.code)]
        if others:
            listed = " ".join(f"'--{o.name}'" for o in (first, *others))
            return f"option '{word}' is ambiguous; possibilities: {listed}"
        match = first
    if eq and match.has_arg == NO_ARG:
        return f"option '--{match.name}' doesn't allow an argument"
    return f"option '--{match.name}' requires an argument"
