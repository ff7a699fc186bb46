"""``/proc/net/xt_recent``, ``nf_conntrack_count`` and ``ls``: the transcript beside this
file was recorded on the real kernel; the unit tests pin the proc file's write protocol."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from helpers import assert_transcript
from nflab.extensions.recent import RecentTable, nstamp_mask

HERE = Path(__file__).parent


def test_transcript() -> None:
    assert_transcript(HERE / "recent-proc.md")


def test_proc_write_protocol() -> None:
    table = RecentTable("T", IPv4Address("255.255.255.255"), nstamp_mask(0))
    table.proc_write("+10.0.0.1\n", 100)
    table.proc_write("+10.0.0.2", 101)
    table.proc_write("+10.0.0.1\n", 102)  # again: one more time stamp, now the most recent
    assert table.proc_text() == (
        "src=10.0.0.2 ttl: 0 last_seen: 101 oldest_pkt: 1 101\n"
        "src=10.0.0.1 ttl: 0 last_seen: 102 oldest_pkt: 2 100, 102\n"
    )
    table.proc_write("-10.0.0.2\n", 103)
    assert table.proc_text().startswith("src=10.0.0.1 ")
    table.proc_write("/\n", 104)
    assert table.proc_text() == ""
    for bad in ("10.0.0.1\n", "+nonsense\n"):
        with pytest.raises(ValueError):
            table.proc_write(bad, 105)
