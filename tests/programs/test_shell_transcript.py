"""The shell and the text tools against what bash, dash and coreutils printed (recorded)."""

from __future__ import annotations

from pathlib import Path

from helpers import assert_transcript

HERE = Path(__file__).parent


def test_recorded_shell_and_text_tools() -> None:
    ran = assert_transcript(HERE / "shell-and-text-tools.md")
    assert ran > 200
