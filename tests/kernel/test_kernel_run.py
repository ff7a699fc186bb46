"""Transcripts on the real kernel: machines as namespaces, the host left as it was."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from kernel_helpers import DATA, needs_kernel, write
from nflab.cli.kernel import run_kernel_files
from nflab.cli.main import main, run_files
from nflab.kernel import state
from nflab.kernel.lab import KernelLab
from nflab.kernel.runner import run_kernel_transcript
from nflab.lab.world import LabError

pytestmark = needs_kernel


def host_network() -> tuple[list[str], list[str]]:
    """The host namespace's interfaces and routes, read from /proc (no ip command there)."""
    links = sorted(line.split(":")[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:])
    routes = sorted(Path("/proc/net/route").read_text().splitlines()[1:])
    return links, routes


def own_leftovers() -> list[str]:
    me = f"nflab-{os.getpid()}"
    netns = [n for n in os.listdir("/run/netns") if n.startswith(me)] if os.path.isdir("/run/netns") else []
    return netns + ([me] if (state.ROOT / me).exists() else [])


def test_the_kernel_lab_transcript_matches_and_leaves_nothing_behind() -> None:
    before = host_network()
    nf_log = state.NF_LOG.read_text()
    run = run_kernel_transcript(DATA / "kernel-lab.md")
    assert [o.command.where for o in run.failures] == []
    assert [o.error for o in run.errors] == []
    assert len(run.outcomes) == 42
    assert host_network() == before
    assert own_leftovers() == []
    if not state.live_runs():  # another run would keep nf_log_all_netns at 1
        assert state.NF_LOG.read_text() == nf_log


def test_nflab_run_kernel_exits_0_or_1_like_run(tmp_path: Path) -> None:
    good = write(tmp_path / "good.md", "lab# machines vm", "vm# echo $HOME; id -u", "/root", "0")
    bad = write(tmp_path / "bad.md", "lab# machines vm", "vm# false")
    assert main(["run", "--kernel", str(good)]) == 0
    out, err = io.StringIO(), io.StringIO()
    assert run_kernel_files([bad], False, 10, out, err, run_files) == 1
    assert f"--- {bad}:3 expected\n" in out.getvalue()
    assert "+[1]" in out.getvalue()


def test_output_and_status_as_a_shell_gives_them(tmp_path: Path) -> None:
    with KernelLab(timeout=10) as lab:
        lab.add_machine("vm")
        assert lab.run("vm", "echo out; echo err >&2; exit 3") == ("out\nerr\n", 3)
        assert lab.run("vm", "kill -TERM $$") == ("", 128 + 15)
        # a background job: no output, even when it fails; its redirections still apply
        assert lab.run("vm", "echo bg > /tmp/bg.txt; nosuchprogram &") == ("", 0)
        assert lab.run("vm", "cat /tmp/bg.txt") == ("bg\n", 0)
        with pytest.raises(LabError, match="machine vm exists"):
            lab.add_machine("vm")
        with pytest.raises(LabError, match="no such machine: pc"):
            lab.connect("vm", "eth0", "pc", "eth0")


def test_a_command_past_the_timeout_is_killed() -> None:
    with KernelLab(timeout=1) as lab:
        lab.add_machine("vm")
        start = time.monotonic()
        with pytest.raises(LabError, match=r"timed out after 1 s \(killed\); its output:\nbefore"):
            lab.run("vm", "echo before; sleep 30")
        assert time.monotonic() - start < 5
        assert lab.run("vm", "echo after") == ("after\n", 0)


def test_connect_refuses_an_interface_name_in_use() -> None:
    with KernelLab(timeout=10) as lab:
        for name in ("a", "b"):
            lab.add_machine(name)
        lab.connect("a", "eth0", "b", "eth0")
        with pytest.raises(LabError, match="connect: a already has an interface eth0"):
            lab.connect("a", "eth0", "b", "eth1")
        lab.connect("a", "x0", "a", "x1")  # both ends on one machine
        assert lab.run("a", "ip -br link show x1 | cut -d@ -f1") == ("x1\n", 0)
