"""Every built-in lab, run through the simulator, must match its recorded outputs.

The labs' outputs were recorded on the real kernel (shared/tools/kernel-run -i).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nflab.transcript.builtin import builtin_labs
from nflab.transcript.report import render_diff
from nflab.transcript.runner import run_transcript


@pytest.mark.parametrize("lab", builtin_labs(), ids=lambda p: p.name)
def test_builtin_lab(lab: Path) -> None:
    run = run_transcript(lab)
    problems = [f"{o.command.where}: {o.error}" for o in run.errors]
    problems += [render_diff(o.command, o.actual) for o in run.failures]
    assert not problems, "\n".join(problems)
    assert len(run.outcomes) > 10
