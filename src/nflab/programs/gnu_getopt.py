"""GNU ``getopt_long`` for the coreutils-style programs (grep, head, sort...).

These programs let glibc print the option errors (``opterr = 1``) and permute
the arguments, so options may follow operands. The cursor and glibc's
messages are those of :mod:`nflab.iptables.getopt`; this module adds the
permutation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..iptables.getopt import (
    MISSING_ARG,
    NO_ARG,
    NON_OPTION,
    UNKNOWN,
    GetoptLong,
    LongOpt,
    glibc_complaint,
)

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
            raise GetoptError(glibc_complaint(cursor, found.code, longopts))
        else:
            options.append((found.code, found.arg))
    operands.extend(cursor.argv[cursor.optind :])
    return Parsed(tuple(options), tuple(operands))
