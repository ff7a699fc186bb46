"""Where the shared acceptance data lives (``../shared`` beside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NFLAB_SHARED", REPO.parent / "shared")).resolve()


def shared_path(*parts: str) -> Path:
    """A path under shared/, skipping the test with a clear reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set NFLAB_SHARED)")
    return path
