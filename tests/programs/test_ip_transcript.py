"""`ip` and `sysctl` across machines and namespaces, against the real programs (recorded)."""

from __future__ import annotations

from pathlib import Path

from nflab.transcript.report import render_diff
from nflab.transcript.runner import run_transcript

HERE = Path(__file__).parent


def test_recorded_ip_and_sysctl() -> None:
    run = run_transcript(HERE / "ip-and-sysctl.md")
    problems = [f"{o.command.where}: {o.error}" for o in run.errors]
    problems += [render_diff(o.command, o.actual) for o in run.failures]
    assert not problems, "\n".join(problems)
    assert len(run.outcomes) > 150
