"""Every built-in lab, run through the simulator, must match its recorded outputs.

The labs' outputs were recorded on the real kernel (shared/tools/kernel-run -i).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import assert_transcript
from nflab.transcript.builtin import builtin_labs


@pytest.mark.parametrize("lab", builtin_labs(), ids=lambda p: p.name)
def test_builtin_lab(lab: Path) -> None:
    ran = assert_transcript(lab)
    assert ran > 10
