"""``nflab``: exit statuses, diffs, --update, the built-in labs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nflab.cli.main import main, run_files
from nflab.transcript.builtin import builtin_labs

GOOD = "```console\nlab# machines vm\nvm# echo hi\nhi\n```\n"
BAD = "```console\nlab# machines vm\nvm# echo hi\nho\n```\n"


def run(paths: list[Path], update: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_files(paths, update, out, err)
    return status, out.getvalue(), err.getvalue()


def test_all_match(tmp_path: Path) -> None:
    path = tmp_path / "good.md"
    path.write_text(GOOD)
    assert run([path]) == (0, f"{path}: 2 commands, all match\n", "")


def test_a_difference_prints_a_diff_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text(BAD)
    status, out, err = run([path])
    assert status == 1
    assert f"--- {path}:3 expected\n" in out
    assert "-ho\n+hi\n" in out
    assert out.endswith(f"{path}: 2 commands, 1 differ\n")
    assert err == ""


def test_update_writes_the_actual_output(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text(BAD)
    status, out, _ = run([path], update=True)
    assert status == 0
    assert path.read_text() == GOOD
    assert f"{path}: updated\n" in out
    assert run([path])[0] == 0


def test_a_malformed_transcript_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("```console\nnot a command\n```\n")
    status, out, err = run([path, tmp_path / "missing.md"])
    assert status == 2
    assert f"nflab: {path}:2: expected `MACHINE# COMMAND`" in err
    assert f"nflab: {tmp_path / 'missing.md'}:0: cannot read" in err


def test_a_command_that_cannot_run_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "gap.md"
    path.write_text("```console\nlab# machines vm\nvm# cd /tmp\n```\n")
    status, out, err = run([path])
    assert status == 2
    assert err == f"{path}:3: vm# cd /tmp\n  the shell builtin `cd' is not simulated (yet)\n"
    assert out == f"{path}: 2 commands, 1 could not run\n"


def test_main_runs_files_and_lists_labs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "good.md"
    path.write_text(GOOD)
    assert main(["run", str(path)]) == 0
    assert main(["labs"]) == 0
    listing = capsys.readouterr().out
    assert "01-listing-rules.md" in listing


def test_version_help_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == "nflab 0.1.0\n"
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "run" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["run", "--frobnicate"])
    assert info.value.code == 2
    assert main([]) == 2


def test_there_are_built_in_labs() -> None:
    names = [p.name for p in builtin_labs()]
    assert names == sorted(names)
    assert len(names) >= 5


def test_run_shows_progress_on_a_terminal_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    from nflab.cli.main import run_files

    files = []
    for name in ("a.md", "b.md"):
        path = tmp_path / name
        path.write_text("```console\nlab# machines vm\nvm# echo hi\nhi\n```\n")
        files.append(path)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Tty()
    assert run_files(files, False, out, err) == 0
    assert f"[2/2] {files[1]} ..." in err.getvalue()
    plain = io.StringIO()
    assert run_files(files, False, io.StringIO(), plain) == 0
    assert plain.getvalue() == ""
