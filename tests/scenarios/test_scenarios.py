"""The packet-path scenarios: lab transcripts recorded on the real kernel
(``shared/tools/kernel-run -i``), replayed through the simulator.

Each transcript covers one part of the IPv4 packet path (hook order,
forwarding, martians and rp_filter, conntrack, NAT, ...); every output line
is what Linux printed, so a difference is a simulator bug.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import assert_transcript

HERE = Path(__file__).parent
SCENARIOS = sorted(HERE.glob("[0-9][0-9]-*.md"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_matches_the_kernel(path: Path) -> None:
    ran = assert_transcript(path)
    assert ran > 10
