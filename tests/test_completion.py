"""Tab completion of ``nflab shell`` lines: machines, programs, lab commands, iptables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nflab.cli.completion import Completer
from nflab.lab.world import World
from nflab.transcript.runner import SimulatedLab


@pytest.fixture
def completer() -> Iterator[Completer]:
    lab = SimulatedLab(World())
    for name in ("vm", "host", "host2"):
        lab.add_machine(name)
    lab.run("vm", "iptables -N WEB; iptables -t nat -N DNAT_IN; iptables-legacy -N OLD")
    yield Completer(lab.world)
    lab.world.shutdown()


def test_machines_at_the_start(completer: Completer) -> None:
    assert completer.candidates("h") == ["help", "host#", "host2#"]
    assert completer.candidates("") == ["exit", "help", "host#", "host2#", "lab#", "vm#"]
    assert completer.candidates("zz") == []


def test_lab_commands_and_their_arguments(completer: Completer) -> None:
    assert completer.candidates("lab# re") == ["reboot"]
    assert completer.candidates("lab# reboot h") == ["host", "host2"]
    assert completer.candidates("lab# connect vm:eth0 ho") == ["host2:", "host:"]
    assert completer.candidates("lab# machines ") == []


def test_programs_after_the_prompt_sudo_and_separators(completer: Completer) -> None:
    assert completer.candidates("vm# iptables-s") == ["iptables-save"]
    assert completer.candidates("vm# sudo jour") == ["journalctl"]
    assert completer.candidates("vm# iptables-save | gr") == ["grep"]
    assert completer.candidates("vm# true && ip") == ["ip", *sorted(
        p for p in completer.candidates("vm# ") if p.startswith("ipt"))]


def test_iptables_chains_live_per_table_and_backend(completer: Completer) -> None:
    assert completer.candidates("vm# iptables -A ") == ["FORWARD", "INPUT", "OUTPUT", "WEB"]
    assert completer.candidates("vm# iptables -t nat -I ") == [
        "DNAT_IN", "INPUT", "OUTPUT", "POSTROUTING", "PREROUTING"]  # fmt: skip
    assert completer.candidates("vm# iptables-legacy -L O") == ["OLD", "OUTPUT"]
    assert completer.candidates("host# iptables -A ") == ["FORWARD", "INPUT", "OUTPUT"]
    assert completer.candidates("vm# iptables -P INPUT ") == ["ACCEPT", "DROP"]
    assert completer.candidates("vm# ip netns exec ns0 iptables -D W") == ["WEB"]


def test_iptables_targets_matches_tables_protocols(completer: Completer) -> None:
    targets = completer.candidates("vm# iptables -A INPUT -j ")
    assert {"ACCEPT", "DROP", "RETURN", "LOG", "REJECT", "MASQUERADE", "WEB"} <= set(targets)
    assert "INPUT" not in targets
    assert completer.candidates("vm# iptables -A INPUT -m conntr") == ["conntrack"]
    assert completer.candidates("vm# iptables -t ") == ["filter", "mangle", "nat", "raw", "security"]
    assert "tcp" in completer.candidates("vm# iptables -A INPUT -p ")


def test_iptables_options_follow_the_extensions_on_the_line(completer: Completer) -> None:
    assert completer.candidates("vm# iptables --li") == ["--line-numbers", "--list", "--list-rules"]
    assert completer.candidates("vm# iptables -A INPUT --dp") == []
    assert completer.candidates("vm# iptables -A INPUT -p tcp --dp") == ["--dport"]
    assert completer.candidates("vm# iptables -A INPUT -m conntrack --ctst") == [
        "--ctstate", "--ctstatus"]  # fmt: skip
    assert "--log-prefix" in completer.candidates("vm# iptables -A INPUT -j LOG --log-")
    assert completer.candidates("vm# iptables -A INPUT -p tcp 22") == []


def test_readline_gets_a_space_after_a_whole_word(completer: Completer) -> None:
    class FakeReadline:
        line = "lab# connect v"

        def get_line_buffer(self) -> str:
            return self.line

        def get_begidx(self) -> int:
            return self.line.rfind(" ") + 1

        def get_endidx(self) -> int:
            return len(self.line)

    completer._readline = FakeReadline()
    assert [completer.complete("v", 0), completer.complete("v", 1)] == ["vm:", None]
    FakeReadline.line = "vm# iptables -A IN"
    assert completer.complete("IN", 0) == "INPUT "
