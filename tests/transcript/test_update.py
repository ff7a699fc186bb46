"""``--update``: actual outputs written back, patterns kept where they still match."""

from __future__ import annotations

from nflab.transcript.model import Command
from nflab.transcript.parse import parse_transcript
from nflab.transcript.update import escape_actual, render_updated, updated_output


def cmd(*expected: str) -> Command:
    return Command("t.md", 2, "vm", "x", expected)


def test_matching_output_is_kept_as_written() -> None:
    assert updated_output(cmd(r"\d+ (re)", "b"), ("12", "b"), False) == [r"\d+ (re)", "b"]


def test_patterns_that_still_match_are_kept_the_rest_is_replaced() -> None:
    out = updated_output(cmd(r"started at \d+ (re)", "old line"), ("started at 42", "new line"), False)
    assert out == [r"started at \d+ (re)", "new line"]


def test_status_line_is_written_bare_only_when_it_is_the_status() -> None:
    assert updated_output(cmd(), ("oops", "[2]"), True) == ["oops", "[2]"]
    assert updated_output(cmd(), ("[2]",), False) == [r"\[2\] (re)"]


def test_lines_that_would_read_back_as_something_else_are_escaped() -> None:
    assert escape_actual("plain") == "plain"
    assert escape_actual("a (re)") == r"a\ \(re\) (re)"
    assert escape_actual("x (glob)") == r"x\ \(glob\) (re)"
    assert escape_actual("vm# ls") == r"vm\#\ ls (re)"
    assert escape_actual("```") == "``` (re)"  # not a closing fence any more
    assert escape_actual("[3]") == r"\[3\] (re)"


def test_render_updated_rewrites_only_the_outputs() -> None:
    text = "# T\n\n```console\nvm# echo hi\nbye\n\nvm# true\n```\ntail\n"
    t = parse_transcript(text, "t.md")
    first, second = t.commands
    new = render_updated(t, {first: (("hi",), False), second: ((), False)})
    assert new == "# T\n\n```console\nvm# echo hi\nhi\n\nvm# true\n```\ntail\n"


def test_render_updated_without_changes_is_the_same_text() -> None:
    text = "```console\n# note\nvm# echo  \nx (glob)\n```"
    t = parse_transcript(text, "t.md")
    assert render_updated(t, {}) == text
