"""Two hooks at the same priority (an iptables-nft chain and an iptables-legacy table):
the one registered last runs first (``nf_hook_entries_grow`` inserts a new hook before
the equal ones). Measured on the kernel: with both INPUT chains dropping ICMP, the
counter of the one registered later counts the ping, the other stays at 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nflab.transcript.runner import run_transcript

LAB = """\
```console
lab# machines m
m# ip link set lo up
m# {first} -A INPUT -p icmp -j DROP
m# {second} -A INPUT -p icmp -j DROP
m# ping -c 1 -W 1 127.0.0.1
m# iptables-legacy -L INPUT -vn
m# iptables-nft -L INPUT -vn
```
"""


def _counted(tmp_path: Path, first: str, second: str) -> dict[str, int]:
    path = tmp_path / "t.md"
    path.write_text(LAB.format(first=first, second=second))
    run = run_transcript(path)
    assert not run.errors
    return {"legacy": _drops(run.outcomes[-2].actual), "nft": _drops(run.outcomes[-1].actual)}


def _drops(listing: tuple[str, ...]) -> int:
    """The packet count of the listing's DROP rule."""
    (line,) = [line for line in listing if " DROP " in line]
    return int(line.split()[0])


@pytest.mark.parametrize(
    ("first", "second", "counted"),
    [
        ("iptables-legacy", "iptables-nft", {"legacy": 0, "nft": 1}),
        ("iptables-nft", "iptables-legacy", {"legacy": 1, "nft": 0}),
    ],
)
def test_the_hook_registered_last_runs_first(tmp_path: Path, first: str, second: str,
                                             counted: dict[str, int]) -> None:
    assert _counted(tmp_path, first, second) == counted


def test_a_restored_nft_table_registers_its_chains_anew(tmp_path: Path) -> None:
    # iptables-nft-restore deletes and recreates the table: its hook is now the newest
    path = tmp_path / "t.md"
    path.write_text(LAB.format(first="iptables-nft", second="iptables-legacy").replace(
        "m# ping", "m# iptables-nft-save | iptables-nft-restore\nm# ping"))
    run = run_transcript(path)
    assert not run.errors
    assert _drops(run.outcomes[-1].actual) == 1  # nft counted it
