"""The kernel-mode commands: ``nflab run --kernel``, ``nflab verify``, ``nflab clean``."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from ..kernel.host import KernelUnavailable, require_root
from ..kernel.runner import DEFAULT_TIMEOUT, preflight, run_kernel_transcript
from ..kernel.state import StateError
from ..kernel.state import clean as clean_leftovers
from ..kernel.verify import LEGEND, compare, difference_json, render_difference
from ..transcript.driver import FileRun
from ..transcript.model import TranscriptError
from ..transcript.runner import run_transcript

OK, DIFFERS, BROKEN = 0, 1, 2
RunFiles = Callable[..., int]


def add_kernel_commands(commands: Any, run: argparse.ArgumentParser) -> None:
    timeout_help = f"kill a command still running after SECONDS (default {DEFAULT_TIMEOUT:g})"
    run.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help=timeout_help)
    verify = commands.add_parser(
        "verify",
        help="run transcripts simulated and on the real kernel, report where they disagree",
        description="Run each transcript in the simulated world and on this machine's kernel "
        "(root). A command differs when the two outputs do not both match the transcript; "
        "each difference is shown side by side with its file and line. Exit status 1 when "
        "any command differs.",
    )
    verify.add_argument("files", nargs="+", metavar="FILE", help="a transcript (.md)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help=timeout_help)
    commands.add_parser(
        "clean",
        help="remove what killed kernel-mode runs left behind",
        description="Remove the namespaces, processes, mounts and files of kernel-mode runs "
        "whose nflab process is gone (root).",
    )


def _refusal(err: TextIO, error: Exception) -> int:
    err.write(f"nflab: {error}\n")
    return BROKEN


def run_kernel_files(
    files: Sequence[Path], update: bool, timeout: float, out: TextIO, err: TextIO, run_files: RunFiles,
    euid: int | None = None,
) -> int:  # fmt: skip
    """``nflab run --kernel``: refuse in one line when this host cannot, else run like ``run``."""
    try:
        preflight(files, euid)
    except KernelUnavailable as error:
        return _refusal(err, error)
    runner = partial(run_kernel_transcript, timeout=timeout)
    try:
        status: int = run_files(files, update, out, err, runner)
    except StateError as error:
        return _refusal(err, error)
    return status


def verify_files(
    files: Sequence[Path], as_json: bool, timeout: float, out: TextIO, err: TextIO,
    euid: int | None = None,
) -> int:  # fmt: skip
    try:
        preflight(files, euid)
    except KernelUnavailable as error:
        return _refusal(err, error)
    status = OK
    reports: list[dict[str, object]] = []
    legend = LEGEND + "\n\n"
    total = 0
    for path in files:
        try:
            simulated = run_transcript(path)
            kernel = run_kernel_transcript(path, timeout=timeout)
        except (TranscriptError, StateError) as error:
            err.write(f"nflab: {error}\n")
            status = BROKEN
            continue
        differences = compare(simulated, kernel)
        status = max(status, DIFFERS if differences else OK)
        total += len(differences)
        if as_json:
            reports.append(_file_json(path, simulated, kernel, differences))
            continue
        for difference in differences:
            out.write(legend + render_difference(difference) + "\n")
            legend = ""
        out.write(_summary(path, simulated, kernel, [d.failing for d in differences]) + "\n")
    if as_json:
        out.write(json.dumps({"files": reports, "differences": total}, indent=1) + "\n")
    elif len(files) > 1:
        out.write(f"verify: {len(files)} files, {total} commands differ\n")
    return status


def _summary(path: Path, simulated: FileRun, kernel: FileRun, failing: list[str]) -> str:
    times = f"simulated {simulated.elapsed:.1f} s, kernel {kernel.elapsed:.1f} s"
    count = len(simulated.outcomes)
    if not failing:
        return f"{path}: {count} commands, simulated and kernel agree ({times})"
    sides = ", ".join(f"{side} {failing.count(side)}" for side in ("simulated", "kernel", "both"))
    return f"{path}: {count} commands, {len(failing)} differ (failing: {sides}) ({times})"


def _file_json(path: Path, simulated: FileRun, kernel: FileRun, differences: list[Any]) -> dict[str, object]:
    return {
        "file": str(path),
        "commands": len(simulated.outcomes),
        "simulated_seconds": round(simulated.elapsed, 3),
        "kernel_seconds": round(kernel.elapsed, 3),
        "differences": [difference_json(d) for d in differences],
    }


def clean(out: TextIO, err: TextIO, euid: int | None = None) -> int:
    """``nflab clean``: remove the leftovers of kernel-mode runs whose nflab is gone."""
    try:
        require_root(os.geteuid() if euid is None else euid)
        removed = clean_leftovers()
    except (KernelUnavailable, StateError) as error:
        return _refusal(err, error)
    for name in removed:
        out.write(f"removed {name}\n")
    if not removed:
        out.write("nothing to clean\n")
    return OK
