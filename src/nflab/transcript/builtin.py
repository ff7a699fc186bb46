"""The labs shipped with nflab (``src/nflab/labs/*.md``): its own transcripts."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def labs_dir() -> Path:
    return Path(str(resources.files("nflab").joinpath("labs")))


def builtin_labs() -> list[Path]:
    """Every built-in lab, in file-name order (the numbering is the reading order)."""
    return sorted(p for p in labs_dir().glob("*.md") if p.name[:1].isdigit())
