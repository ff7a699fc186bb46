"""GNU BRE/ERE → Python regular expressions."""

from __future__ import annotations

import re

import pytest

from nflab.programs.posix_regex import RegexError, translate


@pytest.mark.parametrize(
    ("pattern", "extended", "matches", "misses"),
    [
        ("a\\(b\\|c\\)\\1", False, ["abb", "acc"], ["abc"]),
        ("a+b?", False, ["a+b?"], ["ab"]),
        ("a+b?", True, ["aab", "a"], ["b"]),
        ("x\\{2\\}", False, ["xx"], ["x"]),
        ("x{2}", True, ["xx"], ["x"]),
        ("x{2", True, ["x{2"], ["xx"]),
        ("*a", False, ["*a"], ["a"]),
        ("a^b", False, ["a^b"], ["ab"]),
        ("a$b", False, ["a$b"], []),
        ("[]a]", False, ["]", "a"], ["b"]),
        ("[^]a]", False, ["b"], ["]", "a"]),
        ("[[:digit:]-]", False, ["5", "-"], ["a"]),
        ("[a\\]", False, ["\\", "a"], ["]"]),
        ("\\<ip", False, ["x ip"], ["xip"]),
        ("a)", True, ["a)"], ["a"]),
    ],
)
def test_translation(pattern: str, extended: bool, matches: list[str], misses: list[str]) -> None:
    regex = re.compile(translate(pattern, extended).pattern)
    for text in matches:
        assert regex.search(text), text
    for text in misses:
        assert not regex.fullmatch(text), text


@pytest.mark.parametrize(
    ("pattern", "extended", "message"),
    [
        ("a[", False, "Invalid regular expression"),
        ("[a", False, "Unmatched [, [^, [:, [., or [="),
        ("[[:foo:]]", False, "Invalid character class name"),
        ("[b-a]", False, "Invalid range end"),
        ("\\(a", False, "Unmatched ( or \\("),
        ("(a", True, "Unmatched ( or \\("),
        ("a\\)", False, "Unmatched ) or \\)"),
        ("x\\", False, "Trailing backslash"),
        ("x{2,1}", True, "Invalid content of \\{\\}"),
        ("x\\{1", False, "Unmatched \\{"),
    ],
)
def test_errors_have_grep_texts(pattern: str, extended: bool, message: str) -> None:
    with pytest.raises(RegexError) as info:
        translate(pattern, extended)
    assert str(info.value) == message


def test_repetition_at_the_start_warns_in_ere() -> None:
    assert translate("*a|+b", True).warnings == ["* at start of expression", "+ at start of expression"]
    assert translate("*a", False).warnings == []
