"""The diff shown for a command whose output differs."""

from __future__ import annotations

from nflab.transcript.model import Command
from nflab.transcript.report import render_diff


def test_unified_style_diff_names_file_line_and_command() -> None:
    command = Command("lab.md", 12, "vm", "iptables -S", ("-P INPUT ACCEPT", "-P FORWARD DROP"))
    text = render_diff(command, ("-P INPUT ACCEPT", "-P FORWARD ACCEPT", "[1]"))
    assert text == (
        "--- lab.md:12 expected\n"
        "+++ lab.md:12 actual\n"
        "@@ vm# iptables -S\n"
        " -P INPUT ACCEPT\n"
        "--P FORWARD DROP\n"
        "+-P FORWARD ACCEPT\n"
        "+[1]\n"
    )
