"""Matching expected lines (exact, ``(re)``, ``(glob)``) and aligning outputs."""

from __future__ import annotations

import pytest

from nflab.transcript.match import align, glob_to_regex, line_matches, outputs_match


@pytest.mark.parametrize(
    ("expected", "actual", "result"),
    [
        ("abc", "abc", True),
        ("abc   ", "abc", True),
        ("abc", "abc  ", True),
        ("abc", "abd", False),
        (r"a\d+c (re)", "a123c", True),
        (r"a\d+c (re)", "a123cd", False),  # the whole line must match
        (r"a\d+c (re)", "xa1c", False),
        ("port * (glob)", "port 1234", True),
        ("port ? (glob)", "port 12", False),
        ("port ?? (glob)", "port 12", True),
        (r"a\*b (glob)", "a*b", True),
        (r"a\*b (glob)", "axxb", False),
        (r"a\?b (glob)", "a?b", True),
        ("a.b (glob)", "axb", False),  # only * and ? are special
        ("(re)", "(re)", True),  # no space before the marker: a literal line
    ],
)
def test_line_matches(expected: str, actual: str, result: bool) -> None:
    assert line_matches(expected, actual) is result


def test_glob_to_regex_escapes_everything_else() -> None:
    assert glob_to_regex("a+b*") == r"a\+b.*"


def test_outputs_match_needs_the_same_number_of_lines() -> None:
    assert outputs_match(["a", "b (glob)"], ["a", "b"])
    assert not outputs_match(["a"], ["a", "b"])
    assert outputs_match([], [])


def test_align_keeps_the_longest_common_part() -> None:
    ops = align(["a", "x", "c"], ["a", "b", "c", "d"])
    assert ops == [
        (" ", "a", "a"),
        ("-", "x", None),
        ("+", None, "b"),
        (" ", "c", "c"),
        ("+", None, "d"),
    ]


def test_align_uses_patterns() -> None:
    assert align([r"\d+ (re)"], ["42"]) == [(" ", r"\d+ (re)", "42")]
