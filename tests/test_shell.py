"""``nflab shell``: the REPL driven by an iterator of lines, its record, its terminal."""

from __future__ import annotations

import builtins
import io
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nflab.cli.main import main, run_files
from nflab.cli.shell import Session, interactive, repl, run_shell


def session_output(lines: list[str], record: Path | None = None) -> str:
    out = io.StringIO()
    session = Session(record)
    try:
        repl(lines, out, session)
    finally:
        session.close()
    return out.getvalue()


def test_each_line_prints_what_the_runner_computes() -> None:
    out = session_output([
        "lab# machines vm",
        "vm# iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
        "vm# iptables -S INPUT",
        "vm# iptables -D INPUT 5",
        "vm# echo 'trailing   '",
        "",
        "# a comment",
        "sudo# true",
    ])  # fmt: skip
    assert out == (
        "-P INPUT ACCEPT\n"
        "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
        "iptables: Index of deletion too big.\n"
        "[1]\n"
        "trailing\n"
        "nflab: no machine `sudo` (create it with `lab# machines sudo`)\n"
    )


def test_errors_are_one_line_and_the_session_goes_on() -> None:
    out = session_output([
        "lab# machines vm",
        "iptables -L",
        "lab# frobnicate",
        "lab# machines vm",
        "lab# connect vm",
        "vm# cd /tmp",
        "vm# echo still here",
    ])  # fmt: skip
    lines = out.splitlines()
    assert lines[1].startswith("nflab: unknown lab command 'frobnicate' (known: machines, connect,")
    assert lines[:1] + lines[2:] == [
        "nflab: not a command line: 'iptables -L' (expected `MACHINE# COMMAND`)",
        "nflab: machine vm exists",
        "nflab: wrong number of arguments to `lab# connect`",
        "nflab: the shell builtin `cd' is not simulated (yet)",
        "still here",
    ]


def test_a_crash_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from nflab.programs import printing

    def boom(argv: object, io: object, system: object = None) -> int:
        raise ValueError("kaboom")

    monkeypatch.setattr(printing, "printf_main", boom)
    out = session_output(["lab# machines vm", "vm# /usr/bin/printf x", "vm# echo after"])
    assert out == "nflab: nflab crashed: ValueError: kaboom\nafter\n"


def test_exit_leaves_and_help_helps() -> None:
    out = session_output(["help", "exit", "lab# machines vm", "vm# echo never"])
    assert out.startswith("Type transcript command lines")
    assert "never" not in out


def test_the_record_replays_with_nflab_run(tmp_path: Path) -> None:
    record = tmp_path / "out" / "session.md"
    record.parent.mkdir()
    (tmp_path / "rules.v4").write_text("*filter\n-A INPUT -p udp -j DROP\nCOMMIT\n")
    cwd = os.getcwd()
    os.chdir(tmp_path)  # the copied file is named relative to where the shell runs
    try:
        out = session_output([
            "lab# machines vm",
            "lab# copy rules.v4 vm:/etc/iptables/rules.v4",
            "vm# iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
            "vm# iptables -S INPUT",
            "nope# true",
            "vm# iptables -X NOSUCH",
            "vm# echo '[3]'; echo 'x (re)'",
            "lab# reboot vm",
            "vm# iptables -S INPUT",
        ], record)  # fmt: skip
    finally:
        os.chdir(cwd)
    assert "-A INPUT -p udp -j DROP\n" in out
    text = record.read_text()
    assert "nope# true" not in text  # what could not run is not recorded
    assert "lab# copy ../rules.v4 vm:/etc/iptables/rules.v4\n" in text
    assert "vm# iptables -X NOSUCH\niptables: No chain/target/match by that name.\n[1]\n" in text
    assert "\\[3\\] (re)\nx\\ \\(re\\) (re)\n" in text
    err = io.StringIO()
    summary = io.StringIO()
    assert run_files([record], False, summary, err) == 0, summary.getvalue() + err.getvalue()
    assert summary.getvalue() == f"{record}: 8 commands, all match\n"


def test_starting_from_a_transcript(tmp_path: Path) -> None:
    start = tmp_path / "start.md"
    start.write_text(
        "# Start\n\n```console\nlab# machines vm\nvm# iptables -N WEB\nvm# echo hi\nho\n```\n"
    )
    record = tmp_path / "rec.md"
    stdin = io.StringIO("vm# iptables -S\n")
    out = io.StringIO()
    assert run_shell(start, record, stdin, out) == 0
    assert out.getvalue() == (
        f"nflab: warning: {start}:6: output differs: vm# echo hi\n"
        "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N WEB\n"
    )
    text = record.read_text()
    assert text.startswith("# A session of `nflab shell`\n\n```console\nlab# include start.md\n")
    summary, err = io.StringIO(), io.StringIO()
    # replayed, the include reports the same difference: the file differs as the start did
    assert run_files([record], False, summary, err) == 1
    assert f"{record}: 5 commands, 1 differ\n" in summary.getvalue()
    start.write_text(start.read_text().replace("ho\n", "hi\n"))
    record.unlink()
    assert run_shell(start, record, io.StringIO("vm# iptables -S WEB\n"), io.StringIO()) == 0
    assert run_files([record], False, io.StringIO(), io.StringIO()) == 0


def test_a_start_file_that_cannot_run(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_shell(tmp_path / "missing.md", None, io.StringIO(), out) == 2
    assert out.getvalue() == f"nflab: include: {tmp_path / 'missing.md'}: No such file or directory\n"


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("lab# machines vm\nvm# iptables -S OUTPUT\n"))
    assert main(["shell", "--record", str(tmp_path / "r.md")]) == 0
    assert capsys.readouterr().out == "-P OUTPUT ACCEPT\n"
    assert "vm# iptables -S OUTPUT\n-P OUTPUT ACCEPT\n```\n" in (tmp_path / "r.md").read_text()


def test_interactive_history_and_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The terminal loop without a terminal: input() is replaced, readline is real."""
    typed: Iterator[str | type[BaseException]] = iter(
        ["lab# machines vm", KeyboardInterrupt, "vm# echo ok", EOFError]
    )

    def fake_input(prompt: str = "") -> str:
        item = next(typed)
        if isinstance(item, type):
            raise item()
        return item

    monkeypatch.setattr(builtins, "input", fake_input)
    history = tmp_path / "history"
    history.write_text("vm# earlier\n")
    out = io.StringIO()
    session = Session()
    try:
        interactive(session, out, str(history))
    finally:
        session.close()
    assert out.getvalue().splitlines()[1:] == ["", "ok", ""]
    assert "vm# earlier" in history.read_text()


# -- on a real terminal ---------------------------------------------------------------------


class Terminal:
    """``nflab shell`` on a pseudo-terminal, typed into like a person would."""

    def __init__(self, tmp_path: Path):
        import pty

        self.fd, child = pty.openpty()
        env = {**os.environ, "HOME": str(tmp_path), "TERM": "dumb", "INPUTRC": "/dev/null"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nflab.cli.main", "shell"], stdin=child, stdout=child,
            stderr=child, env=env, cwd=tmp_path, close_fds=True,
        )  # fmt: skip
        os.close(child)
        self.seen = ""

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def expect(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"{text!r} never came; the terminal shows:\n{self.seen}")
            self.seen += os.read(self.fd, 4096).decode(errors="replace").replace("\r", "")

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=20)
        finally:
            os.close(self.fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_on_a_terminal_tab_completes_and_history_is_kept(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    try:
        term.expect("nflab> ")
        term.type("lab# machines vm\n")
        term.expect("nflab> ", 20)
        term.seen = ""
        term.type("v\t")  # the machine
        term.expect("vm# ")
        term.type("iptables -A INP\t-p tcp --dpo\t22 -j ACC\t\n")
        term.expect("nflab> ")
        term.seen = ""
        term.type("vm# iptables -S INPUT\n")
        term.expect("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT")
        term.expect("nflab> ")
        term.type("vm# not finished\x03")  # Ctrl-C drops the line
        term.expect("nflab> ")
        term.type("exit\n")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    history = (tmp_path / ".nflab_history").read_text()
    assert "vm# iptables -A INPUT -p tcp --dport 22 -j ACCEPT " in history
    assert "not finished" not in history
