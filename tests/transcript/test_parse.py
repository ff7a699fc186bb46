"""Parsing Markdown transcripts into commands with their expected output."""

from __future__ import annotations

import pytest

from nflab.transcript.model import Block, TranscriptError
from nflab.transcript.parse import parse_transcript, read_transcript

DOC = """# A title

Some prose, and a shell block that is not run:

```sh
vm# this is not a command
```

```console
# a comment before the first command

lab# machines vm
vm# iptables -S
-P INPUT ACCEPT
line with trailing spaces{SPACES}

vm# false
[1]
```
""".replace("{SPACES}", "   ")


def test_commands_with_their_lines_and_outputs() -> None:
    t = parse_transcript(DOC, "doc.md")
    commands = list(t.commands)
    assert [(c.line, c.machine, c.text) for c in commands] == [
        (12, "lab", "machines vm"),
        (13, "vm", "iptables -S"),
        (17, "vm", "false"),
    ]
    assert commands[1].expected == ("-P INPUT ACCEPT", "line with trailing spaces   ")
    assert commands[1].trailing_blanks == 1
    assert commands[2].expected == ("[1]",)
    assert commands[1].where == "doc.md:13"
    assert commands[1].source == "vm# iptables -S"


def test_prose_and_other_blocks_are_kept_verbatim() -> None:
    t = parse_transcript(DOC, "doc.md")
    blocks = [p for p in t.parts if isinstance(p, Block)]
    assert len(blocks) == 1
    assert "vm# this is not a command" in t.parts
    assert blocks[0].preamble == ("# a comment before the first command", "")
    assert t.title == "A title"
    assert t.final_newline


def test_tilde_fences_and_info_words() -> None:
    t = parse_transcript("~~~~console extra\nvm# true\n~~~~\n", "t.md")
    assert [c.text for c in t.commands] == ["true"]


def test_a_longer_fence_only_closes_with_at_least_as_many_marks() -> None:
    t = parse_transcript("````console\nvm# echo\n```\n````\n", "t.md")
    (command,) = t.commands
    assert command.expected == ("```",)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("```console\nhello\nvm# true\n```\n", 2, "expected `MACHINE# COMMAND`"),
        ("```console\nVM# true\n```\n", 2, "expected `MACHINE# COMMAND`"),
        ("```console\nvm# true\n[1]\nmore\n```\n", 3, "can only be the last line"),
        ("```console\nvm# true\n[0]\n```\n", 3, "not a shown exit status"),
        ("```console\nvm# true\n[256]\n```\n", 3, "not a shown exit status"),
        ("```console\nvm# true\nfoo( (re)\n```\n", 3, "bad regular expression"),
        ("\n```console\nvm# true\n", 2, "never closed"),
        ("```console\nlab# frobnicate\n```\n", 2, "unknown lab command"),
        ("```console\nlab# machines\n```\n", 2, "wrong number of arguments"),
        ("```console\nlab# machines Vm\n```\n", 2, "bad argument"),
        ("```console\nlab# machines lab\n```\n", 2, "bad argument"),
        ("```console\nlab# sleep soon\n```\n", 2, "bad argument"),
        ("```console\nlab# connect a:x b\n```\n", 2, "bad argument"),
        ("```console\nlab# copy f vm\n```\n", 2, "bad argument"),
    ],
)
def test_malformed_transcripts_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(TranscriptError) as info:
        parse_transcript(text, "bad.md")
    assert info.value.line == line
    assert message in info.value.message
    assert str(info.value).startswith(f"bad.md:{line}: ")


def test_escaped_status_lines_are_output() -> None:
    t = parse_transcript("```console\nvm# cat f\n\\[1\\] (re)\nend\n```\n", "t.md")
    (command,) = t.commands
    assert command.expected == ("\\[1\\] (re)", "end")


def test_reading_a_missing_file_is_a_transcript_error(tmp_path: object) -> None:
    with pytest.raises(TranscriptError) as info:
        read_transcript("/nonexistent/lab.md")
    assert "cannot read" in str(info.value)
