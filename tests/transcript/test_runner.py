"""Running transcripts: outcomes, errors at their line, include and copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from nflab.transcript.model import TranscriptError
from nflab.transcript.runner import output_lines, run_transcript


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def block(*lines: str) -> str:
    return "```console\n" + "\n".join(lines) + "\n```\n"


def test_output_lines_drop_trailing_spaces_and_blank_lines_and_add_the_status() -> None:
    assert output_lines("a  \nb\n\n\n", 0) == ("a", "b")
    assert output_lines("x\r\n", 3) == ("x", "[3]")
    assert output_lines("", 1) == ("[1]",)


def test_matching_and_differing_commands(tmp_path: Path) -> None:
    path = write(tmp_path, "t.md", block(
        "lab# machines vm",
        "vm# echo hello",
        "hello",
        "vm# sudo echo hi",
        "ho",
        "vm# false",
    ))  # fmt: skip
    run = run_transcript(path)
    assert [o.matched for o in run.outcomes] == [True, True, False, False]
    assert run.outcomes[2].actual == ("hi",)
    assert run.outcomes[3].actual == ("[1]",)
    assert [o.command.line for o in run.failures] == [5, 7]
    assert run.errors == []


def test_each_file_gets_a_fresh_world(tmp_path: Path) -> None:
    path = write(tmp_path, "t.md", block("lab# machines vm", "vm# iptables -N X"))
    assert not run_transcript(path).failures
    assert not run_transcript(path).failures  # would say "Chain already exists." otherwise


def test_problems_are_errors_at_their_line_and_the_run_goes_on(tmp_path: Path) -> None:
    path = write(tmp_path, "t.md", block(
        "lab# machines vm",
        "lab# machines vm",
        "pc# true",
        "vm# cd /tmp",
        "lab# reboot pc",
        "vm# echo still running",
        "still running",
    ))  # fmt: skip
    run = run_transcript(path)
    errors = {o.command.line: o.error for o in run.errors}
    assert errors == {
        3: "machine vm exists",
        4: "no machine `pc` (create it with `lab# machines pc`)",
        5: "the shell builtin `cd' is not simulated (yet)",
        6: "no such machine: pc",
    }
    assert run.outcomes[-1].matched


def test_a_crash_is_an_error_with_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nflab.programs import printing

    def boom(argv: object, io: object, system: object = None) -> int:
        raise ValueError("kaboom")

    monkeypatch.setattr(printing, "printf_main", boom)
    path = write(tmp_path, "t.md", block("lab# machines vm", "vm# /usr/bin/printf x"))
    (outcome,) = run_transcript(path).errors
    assert outcome.error is not None
    assert outcome.error.startswith("nflab crashed:")
    assert "ValueError: kaboom" in outcome.error


def test_include_runs_the_other_file_in_the_same_world(tmp_path: Path) -> None:
    write(tmp_path, "setup.md", "# Setup\n\n" + block("lab# machines vm", "vm# iptables -N FROM_SETUP"))
    path = write(tmp_path, "t.md", block("lab# include setup.md", "vm# iptables -S FROM_SETUP", "-N FROM_SETUP"))
    run = run_transcript(path)
    setup = str(tmp_path / "setup.md")
    # the include's own outcome comes once the included commands have run
    assert [o.command.path for o in run.outcomes] == [setup, setup, str(path), str(path)]
    assert not run.failures and not run.errors
    assert [o.command.text for o in run.own] == ["include setup.md", "iptables -S FROM_SETUP"]


def test_a_failing_included_command_fails_the_include_as_the_kernel_runner_says(tmp_path: Path) -> None:
    write(tmp_path, "setup.md", block("lab# machines vm", "vm# echo one", "two"))
    path = write(tmp_path, "t.md", block("lab# include setup.md"))
    run = run_transcript(path)
    include = run.own[0]
    assert include.actual == ("lab: include: setup.md:3: output differs: vm# echo one", "[1]")
    assert len(run.failures) == 2


def test_include_problems(tmp_path: Path) -> None:
    write(tmp_path, "loop.md", block("lab# include loop.md"))
    write(tmp_path, "broken.md", block("oops"))
    path = write(tmp_path, "t.md", block("lab# include nothere.md", "lab# include loop.md", "lab# include broken.md"))
    errors = [o.error for o in run_transcript(path).errors]
    assert errors == [
        "include: nothere.md: No such file or directory",
        "include: loop.md: recursive include",
        f"include: {tmp_path / 'broken.md'}:2: expected `MACHINE# COMMAND` or a `# ` comment, got 'oops'",
    ]


def test_copy_puts_a_file_beside_the_transcript_into_a_machine(tmp_path: Path) -> None:
    write(tmp_path, "rules.v4", "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n")
    path = write(tmp_path, "t.md", block(
        "lab# machines vm",
        "lab# copy rules.v4 vm:/etc/iptables/rules.v4",
        "vm# iptables-restore /etc/iptables/rules.v4 && iptables -S INPUT",
        "-P INPUT ACCEPT",
        "-A INPUT -j ACCEPT",
        "lab# copy missing vm:/tmp/x",
        "lab# copy rules.v4 vm:/nodir/x",
    ))  # fmt: skip
    run = run_transcript(path)
    assert not run.failures
    assert [o.error for o in run.errors] == [
        "copy: missing: No such file or directory",
        "copy: /nodir/x: No such file or directory",
    ]


def test_sleep_moves_the_simulated_clock(tmp_path: Path) -> None:
    path = write(tmp_path, "t.md", block(
        "lab# machines vm",
        "vm# iptables -N X",
        "vm# iptables-save | head -n 1",
        "# Generated by iptables-save v1.8.9 (nf_tables) on Tue Nov 14 22:13:20 2023",
        "lab# sleep 3600.5",
        "vm# iptables-save | head -n 1",
        "# Generated by iptables-save v1.8.9 (nf_tables) on Tue Nov 14 23:13:20 2023",
    ))  # fmt: skip
    assert not run_transcript(path).failures


def test_a_malformed_file_is_refused_before_running(tmp_path: Path) -> None:
    path = write(tmp_path, "t.md", block("lab# machines vm", "vm# true", "[0]"))
    with pytest.raises(TranscriptError):
        run_transcript(path)
