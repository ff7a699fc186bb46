"""Kernel-mode tests need root and network namespaces; without them they skip, saying why.

CI runs as root (``.ci/run`` installs the Debian programs), so there they run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nflab.kernel.host import missing_programs
from nflab.kernel.runner import namespaces_unavailable

DATA = Path(__file__).parent / "kernel" / "data"
PROGRAMS = ["ip", "nc", "ping", "iptables", "sysctl", "dmesg", "grep", "cut", "sort"]


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "kernel mode needs root (CI runs these tests as root)"
    reason = namespaces_unavailable()
    if reason is not None:
        return f"`ip netns` is not available here: {reason}"
    missing = missing_programs(PROGRAMS)
    if missing:
        return "missing on this host: " + ", ".join(f"{p} ({pkg})" for p, pkg in missing.items())
    return None


WHY_NOT = _why_not()
needs_kernel = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


def write(path: Path, *lines: str) -> Path:
    """A transcript of one console block."""
    path.write_text("```console\n" + "\n".join(lines) + "\n```\n")
    return path
