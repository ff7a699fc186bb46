"""Run command lines on simulated lab machines and compare with what the real programs printed.

A *session* is text as a terminal shows it: ``$ COMMAND`` lines, each followed by
the command's combined output and, when it failed, its status as ``[N]``. The
expected sessions in the tests were captured from the real programs in scratch
network namespaces; MAC addresses (random on Linux, deterministic here) and the
IPv6 link-local addresses made from them are compared as placeholders, and
trailing spaces are ignored (as transcripts ignore them).
"""

from __future__ import annotations

import difflib
import re

from nflab.lab.context import Context
from nflab.lab.world import World
from nflab.programs.sh import run_command_line

_MAC = re.compile(r"(?<![0-9a-f:])(?!00:00:00:00:00:00)(?!ff:ff:ff:ff:ff:ff)(?:[0-9a-f]{2}:){5}[0-9a-f]{2}")
_LINK_LOCAL = re.compile(r"fe80::[0-9a-f:]*[0-9a-f](?=/64| dev)")


def normalized(text: str) -> str:
    text = _LINK_LOCAL.sub("fe80::LL", _MAC.sub("MAC", text))
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


class Lab:
    """A world of machines (``vm`` by default), cables between them if asked."""

    def __init__(self, *names: str, cables: tuple[tuple[str, str, str, str], ...] = ()):
        self.world = World()
        for name in names or ("vm",):
            self.world.add_machine(name)
        for a, a_if, b, b_if in cables:
            self.world.connect(a, a_if, b, b_if)

    def run(self, line: str, machine: str = "vm") -> tuple[str, int]:
        if line.startswith("sleep "):
            self.world.sleep(float(line.split()[1]))
            return "", 0
        return run_command_line(Context(self.world.machine(machine)), line)

    def session(self, expected: str, machine: str = "vm") -> str:
        """Run the ``$ `` commands of ``expected`` and show them as it does."""
        out: list[str] = []
        for line in expected.strip("\n").split("\n"):
            if not line.startswith("$ "):
                continue
            text, status = self.run(line[2:], machine)
            out.append(line + "\n" + text + (f"[{status}]\n" if status else ""))
        return normalized("".join(out))

    def close(self) -> None:
        self.world.shutdown()


def check(expected: str, *names: str, machine: str = "vm", lab: Lab | None = None) -> None:
    """Run a session on a fresh lab (or ``lab``) and assert it prints ``expected``."""
    lab = lab or Lab(*names)
    try:
        actual, wanted = lab.session(expected, machine), normalized(expected)
    finally:
        lab.close()
    diff = difflib.unified_diff(wanted.split("\n"), actual.split("\n"), "real", "nflab", lineterm="")
    assert actual == wanted, "\n".join(diff)
