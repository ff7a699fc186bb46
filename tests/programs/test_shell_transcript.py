"""The shell and the text tools against what bash, dash and coreutils printed (recorded)."""

from __future__ import annotations

from pathlib import Path

from nflab.transcript.report import render_diff
from nflab.transcript.runner import run_transcript

HERE = Path(__file__).parent


def test_recorded_shell_and_text_tools() -> None:
    run = run_transcript(HERE / "shell-and-text-tools.md")
    problems = [f"{o.command.where}: {o.error}" for o in run.errors]
    problems += [render_diff(o.command, o.actual) for o in run.failures]
    assert not problems, "\n".join(problems)
    assert len(run.outcomes) > 200
