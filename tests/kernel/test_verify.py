"""``nflab verify``: the definition of a difference, its report, and a run of both worlds."""

from __future__ import annotations

import io
import json
from pathlib import Path

from kernel_helpers import needs_kernel, write
from nflab.cli.kernel import verify_files
from nflab.kernel.verify import Difference, compare, difference_json, render_difference
from nflab.transcript.builtin import builtin_labs
from nflab.transcript.driver import FileRun, Outcome
from nflab.transcript.parse import parse_transcript

TRANSCRIPT = parse_transcript(
    "```console\n"
    "lab# machines vm\n"
    "lab# include setup.md\n"
    "vm# nc -v 192.0.2.2 1234\n"
    "Connection to 192.0.2.2 1234 port [tcp/*] succeeded!\n"
    "source{port: \\d+} (re)\n"
    "vm# iptables -S\n"
    "-P INPUT ACCEPT\n"
    "```\n",
    "t.md",
)
MACHINES, INCLUDE, NC, SAVE = TRANSCRIPT.commands


def run(*outcomes: Outcome) -> FileRun:
    return FileRun(TRANSCRIPT, list(outcomes))


def test_outputs_that_both_match_the_transcript_agree_even_when_they_differ() -> None:
    sim = run(Outcome(MACHINES), Outcome(NC, (NC.expected[0], "source{port: 40000}")), Outcome(SAVE, SAVE.expected))
    kern = run(Outcome(MACHINES), Outcome(NC, (NC.expected[0], "source{port: 51234}")), Outcome(SAVE, SAVE.expected))
    assert compare(sim, kern) == []


def test_the_side_that_does_not_match_is_named() -> None:
    good_nc = Outcome(NC, (NC.expected[0], "source{port: 1}"))
    refused = Outcome(NC, ("nc: connect failed", "[1]"), 1)
    sim = run(Outcome(MACHINES), refused, Outcome(SAVE, error="`iptables -S` is not simulated (yet)"))
    kern = run(Outcome(MACHINES), good_nc, Outcome(SAVE, ("-P INPUT DROP",)))
    differences = compare(sim, kern)
    assert [(d.command.line, d.failing) for d in differences] == [(4, "simulated"), (7, "both")]
    assert compare(run(good_nc), run(refused))[0].failing == "kernel"


def test_include_lines_are_not_compared_their_commands_are() -> None:
    sim = run(Outcome(INCLUDE, ("lab: include: setup.md:3: output differs: vm# x", "[1]"), 1))
    assert compare(sim, run(Outcome(INCLUDE))) == []


def test_a_difference_side_by_side_lined_up_on_the_expected_lines() -> None:
    sim = Outcome(NC, ("Connection to 192.0.2.2 1234 port [tcp/*] succeeded!", "source{port: 7}"))
    kern = Outcome(NC, ("nc: connect to 192.0.2.2 port 1234 (tcp) failed: Connection refused", "[1]"), 1)
    text = render_difference(Difference(NC, sim, kern))
    lines = text.splitlines()
    assert lines[0] == "t.md:4: vm# nc -v 192.0.2.2 1234"
    assert lines[1] == "  the kernel differs from the transcript; the simulated world matches it"
    assert lines[2].split("|")[0].strip() == "simulated" and lines[2].split("|")[1].strip() == "kernel"
    body = [(left.strip(), right.strip()) for left, right in (row.split(" | ") for row in lines[3:])]
    assert body == [
        ("Connection to 192.0.2.2 1234 port [tcp/*] succeeded!", "-Connection to 192.0.2.2 1234 port [tcp/*] succeeded!"),
        ("source{port: 7}", "-source{port: \\d+} (re)"),
        ("", "+nc: connect to 192.0.2.2 port 1234 (tcp) failed: Connection refused"),
        ("", "+[1]"),
    ]


def test_a_difference_as_json() -> None:
    sim = Outcome(SAVE, error="not simulated")
    kern = Outcome(SAVE, SAVE.expected)
    assert difference_json(Difference(SAVE, sim, kern)) == {
        "file": "t.md",
        "line": 7,
        "machine": "vm",
        "command": "iptables -S",
        "expected": ["-P INPUT ACCEPT"],
        "fails": "simulated",
        "simulated": {"output": [], "status": 0, "matches": False, "error": "not simulated"},
        "kernel": {"output": ["-P INPUT ACCEPT"], "status": 0, "matches": True, "error": None},
    }


@needs_kernel
def test_verify_a_lab_both_worlds_run_alike() -> None:
    lab = builtin_labs()[0]
    out, err = io.StringIO(), io.StringIO()
    assert verify_files([lab], True, 30, out, err) == 0, out.getvalue() + err.getvalue()
    report = json.loads(out.getvalue())
    assert report["differences"] == 0
    (file,) = report["files"]
    assert file["file"] == str(lab) and file["commands"] > 10 and file["differences"] == []


@needs_kernel
def test_verify_reports_what_both_worlds_contradict_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path / "wrong.md", "lab# machines vm", "vm# echo hi", "ho", "vm# echo ok", "ok")
    out, err = io.StringIO(), io.StringIO()
    assert verify_files([path], False, 30, out, err) == 1
    text = out.getvalue()
    assert f"{path}:3: vm# echo hi\n  both worlds differ from the transcript\n" in text
    assert f"{path}: 3 commands, 1 differ (failing: simulated 0, kernel 0, both 1)" in text
