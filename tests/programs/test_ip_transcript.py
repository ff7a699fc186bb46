"""`ip` and `sysctl` across machines and namespaces, against the real programs (recorded)."""

from __future__ import annotations

from pathlib import Path

from helpers import assert_transcript

HERE = Path(__file__).parent


def test_recorded_ip_and_sysctl() -> None:
    ran = assert_transcript(HERE / "ip-and-sysctl.md")
    assert ran > 150
