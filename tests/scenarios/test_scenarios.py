"""The packet-path scenarios: lab transcripts recorded on the real kernel
(``shared/tools/kernel-run -i``), replayed through the simulator.

Each transcript covers one part of the IPv4 packet path (hook order,
forwarding, martians and rp_filter, conntrack, NAT, ...); every output line
is what Linux printed, so a difference is a simulator bug.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nflab.transcript.report import render_diff
from nflab.transcript.runner import run_transcript

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("[0-9][0-9]-*.md"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_matches_the_kernel(path: Path) -> None:
    run = run_transcript(path)
    problems = [f"{o.command.where}: {o.error}" for o in run.errors]
    problems += [render_diff(o.command, o.actual) for o in run.failures]
    assert not problems, "\n".join(problems)
    assert len(run.outcomes) > 10
