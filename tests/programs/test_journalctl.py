"""``journalctl``: the machine's journal, by boot and unit, in the short and cat formats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import assert_transcript
from nflab.lab.reboot import reboot
from nflab.lab.world import World
from nflab.programs.system import NotSimulated
from nflab.transcript.runner import SimulatedLab


@pytest.fixture
def lab() -> Iterator[SimulatedLab]:
    lab = SimulatedLab(World())
    lab.add_machine("vm")
    yield lab
    lab.world.shutdown()


def journalctl(lab: SimulatedLab, args: str) -> str:
    output, status = lab.run("vm", f"journalctl {args}")
    assert status == 0
    return output


def test_recorded_transcript() -> None:
    assert_transcript(Path(__file__).parent / "no-journal.md")


def test_no_journal_files_before_a_reboot(lab: SimulatedLab) -> None:
    # as on the kernel runner's machines, which run no journald (recorded there)
    assert journalctl(lab, "--no-pager") == "No journal files were found.\n-- No entries --\n"
    assert journalctl(lab, "-k --no-pager") == "No journal files were found.\n-- No entries --\n"
    assert journalctl(lab, "-q") == ""


def test_short_format_with_time_host_identifier_and_pid(lab: SimulatedLab) -> None:
    lab.sleep(3600)
    reboot(lab.world, "vm")
    lines = journalctl(lab, "-b").splitlines()
    assert lines[0] == (
        "Nov 14 23:13:20 vm systemd[1]: Starting netfilter-persistent.service"
        " - netfilter persistent configuration..."
    )
    pid = lab.world.machine("vm").journal.entries[1].pid
    assert lines[2] == f"Nov 14 23:13:20 vm netfilter-persistent[{pid}]: Warning: skipping IPv4 (no rules to load)"
    assert len(lines) == 5


def test_boots_are_separated_and_selected(lab: SimulatedLab) -> None:
    reboot(lab.world, "vm")
    lab.run("vm", "echo '*filter' > /etc/iptables/rules.v4; echo COMMIT >> /etc/iptables/rules.v4")
    reboot(lab.world, "vm")
    journal = lab.world.machine("vm").journal
    everything = journalctl(lab, "").splitlines()
    assert everything[5] == f"-- Boot {journal.boot_id(2)} --"
    assert len(everything) == 10  # 5 lines, the separator, 4 lines (no warning)
    assert "Warning: skipping IPv4 (no rules to load)" in journalctl(lab, "-b -1 -o cat")
    assert "Warning" not in journalctl(lab, "--boot=0 --output=cat")
    assert journalctl(lab, "-b -2") == "-- No entries --\n"  # the lab's first start logs nothing
    assert journalctl(lab, "-u netfilter-persistent -b -o cat") == journalctl(lab, "-b -ocat")
    assert journalctl(lab, "--unit=ssh.service") == "-- No entries --\n"


@pytest.mark.parametrize("args", ["-f", "-o json", "-b 1", "-b -9", "-u"])
def test_what_is_not_simulated_says_so(lab: SimulatedLab, args: str) -> None:
    with pytest.raises(NotSimulated):
        lab.run("vm", f"journalctl {args}")
