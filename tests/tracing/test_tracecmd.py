"""``lab# trace`` in transcripts: simulated labs trace, the real kernel is held to the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from nflab.lab.world import LabError
from nflab.transcript.driver import Driver
from nflab.transcript.model import Command
from nflab.transcript.runner import run_transcript
from nflab.transcript.tracecmd import before_report, parse_trace

SETUP = [
    "lab# machines a b",
    "lab# connect a:eth0 b:eth0",
    "a# ip addr add 10.0.0.1/24 dev eth0",
    "a# ip link set eth0 up",
    "b# ip addr add 10.0.0.2/24 dev eth0",
    "b# ip link set eth0 up",
    "b# iptables -A INPUT -p tcp --dport 23 -j DROP",
]


def transcript(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "t.md"
    path.write_text("```console\n" + "\n".join([*SETUP, *lines]) + "\n```\n")
    return path


def test_trace_a_command(tmp_path: Path) -> None:
    run = run_transcript(transcript(tmp_path, "lab# trace a# nc -w 1 10.0.0.2 23"))
    outcome = run.outcomes[-1]
    assert outcome.error is None
    lines = outcome.actual
    assert lines[:2] == ("", "trace: 1 packet, 1 connection") and lines[-1] == "[1]"  # no resend in 1 s
    assert outcome.status == 1 and "[1]" not in lines[:-1]
    assert "dropped by filter INPUT rule 1: -A INPUT -p tcp -m tcp --dport 23 -j DROP" in \
        "\n".join(lines)


def test_trace_on_and_off_with_details(tmp_path: Path) -> None:
    run = run_transcript(transcript(tmp_path, "lab# trace on -v", "a# ping -c 1 -W 1 10.0.0.2",
                                    "lab# trace off"))
    on, ping, off = run.outcomes[-3:]
    assert on.actual == () and on.error is None
    assert "1 received" in "\n".join(ping.actual)  # the command's own output is untouched
    text = "\n".join(off.actual)
    assert off.actual[0] == "trace: 2 packets, 1 connection"
    assert "b (t=" in text and "filter INPUT:" in text and "INPUT rule 1: no match" in text


def test_mistakes(tmp_path: Path) -> None:
    run = run_transcript(transcript(tmp_path, "lab# trace off", "lab# trace on", "lab# trace on",
                                    "lab# trace nothing here"))
    errors = [o.error for o in run.outcomes[-4:]]
    assert errors[0] == "trace: no trace is on (start one with `lab# trace on`)"
    assert errors[1] is None
    assert errors[2] == "trace: a trace is already on (end it with `lab# trace off`)"
    assert errors[3] is not None and errors[3].startswith("trace: usage: lab# trace")


def test_parse() -> None:
    assert parse_trace("trace -vv vm# nc -z x 1").level == 2
    request = parse_trace("trace vm# sudo nc 1.2.3.4 5")
    assert (request.mode, request.machine, request.text) == ("run", "vm", "sudo nc 1.2.3.4 5")
    assert parse_trace("trace on -v").level == 1 and parse_trace("trace off").mode == "off"
    for bad in ("trace", "trace lab# sleep 1", "trace off -v", "trace on now"):
        with pytest.raises(LabError):
            parse_trace(bad)


class KernelLikeLab:
    """A lab that runs commands but cannot trace (as the real kernel's)."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, str]] = []

    def has_machine(self, name: str) -> bool:
        return True

    def run(self, machine: str, text: str) -> tuple[str, int]:
        self.ran.append((machine, text))
        return "hello\n", 1


def test_a_lab_that_cannot_trace_compares_only_the_command_output() -> None:
    lab = KernelLikeLab()
    driver = Driver(lab)  # type: ignore[arg-type]
    expected = ("hello", "", "trace: 3 packets, 1 connection", "", "connection 1: ...", "[1]")
    outcome = driver.command(Command("t.md", 1, "lab", "trace vm# echo hello", expected))
    assert lab.ran == [("vm", "echo hello")]
    assert outcome.matched and outcome.actual == ("hello", "[1]")
    off = driver.command(Command("t.md", 2, "lab", "trace off", ("trace: 1 packet, 0 connections",)))
    assert off.matched


def test_before_report() -> None:
    assert before_report(("a", "", "trace: 1 packet, 1 connection", "x")) == ("a",)
    assert before_report(("trace: 1 packet, 1 connection", "x", "[3]")) == ("[3]",)
    assert before_report(("a", "trace: lots")) == ("a", "trace: lots")
