"""Whatever ends a kernel run, nothing of it stays: SIGTERM cleans up at once; after SIGKILL,
``nflab clean`` or the next run removes the leftovers (processes, namespaces, mounts, files)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kernel_helpers import needs_kernel, write
from nflab.cli.kernel import clean
from nflab.kernel import procs, state
from nflab.kernel.lab import KernelLab

pytestmark = needs_kernel


def start_long_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``nflab run --kernel`` of a lab with nested namespaces and background jobs, once it is up."""
    path = write(
        tmp_path / "long.md",
        "lab# machines a b",
        "lab# connect a:x b:y",
        "a# ip netns add nested",
        "a# ip netns exec nested sleep 300 &",
        "b# sleep 301 &",
        "lab# sleep 60",
    )  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-m", "nflab.cli.main", "run", "--kernel", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    run = f"nflab-{child.pid}"
    deadline = time.monotonic() + 30
    while len(procs.find(procs.Marker(run))) < 2:
        assert child.poll() is None, "the kernel run ended early"
        assert time.monotonic() < deadline, "the kernel run did not start its jobs"
        time.sleep(0.1)
    return child, run


def traces(run: str) -> list[str]:
    """What is left of a run on this host."""
    found = [n for n in os.listdir(state.NETNS_DIR) if n.startswith(run + "-") or n.startswith(run + ".")]
    found += [f"pid {pid}" for pid in procs.find(procs.Marker(run))]
    found += [p for p in state.mount_points() if p.startswith(f"{state.ROOT}/{run}/")]
    if (state.ROOT / run).exists():
        found.append(str(state.ROOT / run))
    return found


def test_a_killed_run_leaves_traces_that_nflab_clean_removes(tmp_path: Path) -> None:
    child, run = start_long_run(tmp_path)
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = traces(run)
    assert f"{run}-a" in left and f"{run}-b" in left
    assert len([t for t in left if t.startswith("pid ")]) >= 2  # the sleeps, nested one included
    out, err = io.StringIO(), io.StringIO()
    assert clean(out, err) == 0
    assert f"removed {run}\n" in out.getvalue()
    assert traces(run) == []
    assert clean(io.StringIO(), io.StringIO()) == 0  # nothing of it a second time


def test_the_next_run_removes_a_killed_runs_leftovers(tmp_path: Path) -> None:
    child, run = start_long_run(tmp_path)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert traces(run)
    with KernelLab(timeout=10):
        assert traces(run) == []


def test_sigterm_ends_the_run_after_cleaning_up(tmp_path: Path) -> None:
    child, run = start_long_run(tmp_path)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 128 + signal.SIGTERM
    assert traces(run) == []


def test_ctrl_c_ends_the_run_after_cleaning_up(tmp_path: Path) -> None:
    child, run = start_long_run(tmp_path)
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=30) == 128 + signal.SIGINT
    assert traces(run) == []
