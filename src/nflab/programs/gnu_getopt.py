"""GNU ``getopt_long`` for the coreutils-style programs (grep, head, sort...).

These programs let glibc print the option errors (``opterr = 1``) and permute
the arguments, so options may follow operands. The cursor itself is the
iptables one (:mod:`nflab.iptables.getopt`); this module adds the
permutation and glibc's messages, word for word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..iptables.getopt import MISSING_ARG, NO_ARG, NON_OPTION, UNKNOWN, GetoptLong, LongOpt

__all__ = ["GetoptError", "LongOpt", "Parsed", "gnu_getopt", "NO_ARG"]


class GetoptError(Exception):
    """What glibc printed after ``PROG: `` (the program then prints its usage hint)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Parsed:
    options: tuple[tuple[object, str | None], ...]
    operands: tuple[str, ...]


def gnu_getopt(argv: Sequence[str], shortopts: str, longopts: Sequence[LongOpt]) -> Parsed:
    """Options in order and operands (permuted out), or :class:`GetoptError`."""
    cursor = GetoptLong(argv, shortopts)
    options: list[tuple[object, str | None]] = []
    operands: list[str] = []
    while (found := cursor.next(longopts)) is not None:
        if found.code == NON_OPTION:
            assert found.arg is not None
            operands.append(found.arg)
        elif found.code in (UNKNOWN, MISSING_ARG):
            raise GetoptError(_message(cursor, longopts, found.code == MISSING_ARG))
        else:
            options.append((found.code, found.arg))
    operands.extend(cursor.argv[cursor.optind :])
    return Parsed(tuple(options), tuple(operands))


def _message(cursor: GetoptLong, longopts: Sequence[LongOpt], missing: bool) -> str:
    word = cursor.argv[cursor.optind - 1]
    if not word.startswith("--"):
        if missing:
            return f"option requires an argument -- '{cursor.optopt}'"
        return f"invalid option -- '{cursor.optopt}'"
    body = word[2:]
    name, eq, _ = body.partition("=")
    exact = next((o for o in longopts if o.name == name), None)
    candidates = [exact] if exact else [o for o in longopts if o.name.startswith(name)]
    if not candidates:
        return f"unrecognized option '{word}'"
    first = candidates[0]
    ambiguous = [first, *(o for o in candidates[1:] if (o.has_arg, o.code) != (first.has_arg, first.code))]
    if len(ambiguous) > 1:
        listed = " ".join(f"'--{o.name}'" for o in ambiguous)
        return f"option '--{name}' is ambiguous; possibilities: {listed}"
    if missing:
        return f"option '--{first.name}' requires an argument"
    if eq and first.has_arg == NO_ARG:
        return f"option '--{first.name}' doesn't allow an argument"
    return f"unrecognized option '{word}'"  # pragma: no cover - getopt found nothing else
