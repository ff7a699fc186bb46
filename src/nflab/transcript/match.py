"""Expected and actual output: line matching (exact, ``(re)``, ``(glob)``) and alignment."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

RE_SUFFIX = " (re)"
GLOB_SUFFIX = " (glob)"


def glob_to_regex(pattern: str) -> str:
    """``*`` any run of characters, ``?`` one character, ``\\*`` and ``\\?`` literal."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and pattern[i + 1 : i + 2] in ("*", "?"):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def _compiled(expected: str) -> re.Pattern[str] | None:
    """The pattern of an expected line, or None for a line matched literally."""
    if expected.endswith(RE_SUFFIX):
        return re.compile(expected[: -len(RE_SUFFIX)])
    if expected.endswith(GLOB_SUFFIX):
        return re.compile(glob_to_regex(expected[: -len(GLOB_SUFFIX)]))
    return None


def check_pattern(expected: str) -> str | None:
    """Why an expected line's pattern is unusable, or None when it is fine."""
    try:
        _compiled(expected.rstrip())
    except re.error as err:
        return f"bad regular expression in {expected.strip()!r}: {err}"
    return None


def line_matches(expected: str, actual: str) -> bool:
    expected = expected.rstrip()
    actual = actual.rstrip()
    pattern = _compiled(expected)
    if pattern is None:
        return expected == actual
    return pattern.fullmatch(actual) is not None


def outputs_match(expected: Sequence[str], actual: Sequence[str]) -> bool:
    return len(expected) == len(actual) and all(map(line_matches, expected, actual))


Op = tuple[str, str | None, str | None]
"""(``" "`` both, ``"-"`` expected only, ``"+"`` actual only; expected line; actual line)."""


def align(expected: Sequence[str], actual: Sequence[str]) -> list[Op]:
    """The longest common subsequence under :func:`line_matches`, as diff operations."""
    n, m = len(expected), len(actual)
    same = [[line_matches(e, a) for a in actual] for e in expected]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if same[i][j]:
                best[i][j] = best[i + 1][j + 1] + 1
            else:
                best[i][j] = max(best[i + 1][j], best[i][j + 1])
    ops: list[Op] = []
    i = j = 0
    while i < n and j < m:
        if same[i][j] and best[i][j] == best[i + 1][j + 1] + 1:
            ops.append((" ", expected[i], actual[j]))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            ops.append(("-", expected[i], None))
            i += 1
        else:
            ops.append(("+", None, actual[j]))
            j += 1
    ops.extend(("-", e, None) for e in expected[i:])
    ops.extend(("+", None, a) for a in actual[j:])
    return ops
