"""``lab# reboot``: runtime state gone, files and cables kept, netfilter-persistent at boot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nflab.lab.boot import sourced
from nflab.lab.reboot import reboot
from nflab.lab.world import LabError, World
from nflab.transcript.runner import SimulatedLab, run_transcript

DATA = Path(__file__).parent / "data"
SERVICE = "netfilter-persistent.service"
IP4 = "/usr/share/netfilter-persistent/plugins.d/15-ip4tables"


@pytest.fixture
def lab() -> Iterator[SimulatedLab]:
    lab = SimulatedLab(World())
    yield lab
    lab.world.shutdown()


def sh(lab: SimulatedLab, machine: str, *lines: str) -> str:
    """Run command lines on a machine; the output of the last one (each must succeed)."""
    output = ""
    for line in lines:
        output, status = lab.run(machine, line)
        assert status == 0, (line, output)
    return output


def messages(lab: SimulatedLab, machine: str, boot: int | None = None) -> list[str]:
    journal = lab.world.machine(machine).journal
    return [e.message for e in journal.entries if boot is None or e.boot == boot]


def test_the_transcript_saves_reboots_and_finds_its_rules_again() -> None:
    run = run_transcript(DATA / "reboot.md")
    assert not run.errors, [o.error for o in run.errors]
    assert not run.failures, [(o.command.where, o.actual) for o in run.failures]
    assert len(run.outcomes) > 30


def test_a_wrong_expectation_after_a_reboot_fails(tmp_path: Path) -> None:
    """Without the rule saved, what the transcript expects after the reboot is wrong."""
    text = (DATA / "reboot.md").read_text()
    (tmp_path / "t.md").write_text(text.replace("vm# iptables -A INPUT -p icmp -j DROP\n", "", 1))
    run = run_transcript(tmp_path / "t.md")
    assert [o.command.text for o in run.failures] == [
        "iptables -S INPUT", "ping -c 1 -W 1 192.168.57.3 | grep transmitted"
    ]


def test_runtime_state_goes_files_stay(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    sh(lab, "vm", "iptables -N KEEPME", "iptables-legacy -t mangle -A OUTPUT -j ACCEPT",
       "ip link set lo up", "ip link add br0 type bridge", "ip netns add inner",
       "sysctl -w net.ipv4.ip_forward=1", "echo note > /tmp/note")  # fmt: skip
    vm = lab.world.machine("vm")
    old = vm.netns
    reboot(lab.world, "vm")
    assert vm.netns is not old and old.netns.id not in lab.world.network.by_id
    assert list(vm.namespaces) == [""]
    assert list(vm.netns.netns.interfaces) == ["lo"]
    assert not vm.netns.netns.interfaces["lo"].admin_up
    assert vm.netfilter.nft.tables == {} and vm.netfilter.legacy.tables == {}
    assert sh(lab, "vm", "sysctl net.ipv4.ip_forward") == "net.ipv4.ip_forward = 0\n"
    assert sh(lab, "vm", "cat /tmp/note") == "note\n"
    assert sh(lab, "vm", "ip netns list") == ""


def test_processes_of_the_machine_are_killed_the_others_live_on(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    lab.add_machine("pc")
    sh(lab, "vm", "ip link set lo up", "test-iptables-server 1234 &")
    sh(lab, "pc", "ip link set lo up", "test-iptables-server 1234 &")
    servers = {p.owner.name: p for p in lab.world.scheduler.processes if p.alive}  # type: ignore[attr-defined]
    reboot(lab.world, "vm")
    assert not servers["vm"].alive and servers["vm"].status == 143
    assert servers["pc"].alive
    output, status = lab.run("vm", "ip link set lo up; nc -v -w 1 127.0.0.1 1234")
    assert (status, output) == (1, "nc: connect to 127.0.0.1 port 1234 (tcp) failed: Connection refused\n")
    assert "port: 1234" in sh(lab, "pc", "nc 127.0.0.1 1234")


def test_cable_ends_come_back_down_bare_with_their_mac_and_index(lab: SimulatedLab) -> None:
    for name in ("vm", "pc"):
        lab.add_machine(name)
    lab.connect("vm", "eth0", "pc", "eth0")
    lab.connect("vm", "eth1", "pc", "eth1")
    sh(lab, "vm", "ip addr add 10.0.0.1/24 dev eth1", "ip link set eth1 up", "ip link set eth0 up")
    sh(lab, "pc", "ip link set eth1 up")
    vm, pc = lab.world.machine("vm"), lab.world.machine("pc")
    before = {n: (i.mac, i.index) for n, i in vm.netns.netns.interfaces.items()}
    reboot(lab.world, "vm")
    after = vm.netns.netns.interfaces
    assert {n: (i.mac, i.index) for n, i in after.items()} == before
    assert not any(i.admin_up or i.inet for i in after.values())
    assert pc.netns.netns.interfaces["eth1"].peer_iface is after["eth1"]
    assert "NO-CARRIER" in sh(lab, "pc", "ip link show eth1")
    sh(lab, "vm", "ip link set eth1 up")
    assert "LOWER_UP" in sh(lab, "pc", "ip link show eth1")


def test_a_cable_end_moved_or_renamed_dies_with_its_peer(lab: SimulatedLab) -> None:
    for name in ("vm", "pc"):
        lab.add_machine(name)
    for n in range(3):
        lab.connect("vm", f"eth{n}", "pc", f"eth{n}")
    sh(lab, "vm", "ip netns add inner", "ip link set eth0 netns inner", "ip link set eth1 name lan")
    reboot(lab.world, "vm")
    assert sorted(lab.world.machine("vm").netns.netns.interfaces) == ["eth2", "lo"]
    assert sorted(lab.world.machine("pc").netns.netns.interfaces) == ["eth2", "lo"]
    assert [name for name, _ in lab.world.cables["vm"]] == ["eth2"]


def test_a_cable_between_two_ports_of_one_machine_survives(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    lab.connect("vm", "a", "vm", "b")
    reboot(lab.world, "vm")
    ifaces = lab.world.machine("vm").netns.netns.interfaces
    assert ifaces["a"].peer_iface is ifaces["b"] and ifaces["b"].peer_iface is ifaces["a"]


def test_the_kernel_log_starts_again(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    sh(lab, "vm", "ip link set lo up", "iptables -A OUTPUT -j LOG --log-prefix 'x: '",
       "ping -c 1 127.0.0.1")  # fmt: skip
    assert sh(lab, "vm", "dmesg")
    lab.sleep(100)
    reboot(lab.world, "vm")
    assert sh(lab, "vm", "dmesg") == ""
    sh(lab, "vm", "ip link set lo up", "iptables -A OUTPUT -j LOG --log-prefix 'x: '",
       "ping -c 1 127.0.0.1")  # fmt: skip
    first = sh(lab, "vm", "dmesg").splitlines()[0]
    assert first.startswith("[    5.0"), first  # the uptime counts from the reboot


def test_without_rules_the_service_warns(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    reboot(lab.world, "vm")
    assert messages(lab, "vm") == [
        f"Starting {SERVICE} - netfilter persistent configuration...",
        f"run-parts: executing {IP4} start",
        "Warning: skipping IPv4 (no rules to load)",
        "run-parts: executing /usr/share/netfilter-persistent/plugins.d/25-ip6tables start",
        f"Finished {SERVICE} - netfilter persistent configuration.",
    ]


def test_without_the_test_load_a_failure_fails_the_service(lab: SimulatedLab) -> None:
    """IPTABLES_TEST_RULESET unset: iptables-restore runs at once; the tables it committed
    before the failing one stay (iptables-nft-restore commits per table)."""
    lab.add_machine("vm")
    sh(lab, "vm", "echo FLUSH_ON_STOP=0 > /etc/default/netfilter-persistent",
       "printf '*nat\\n-A OUTPUT -j ACCEPT\\nCOMMIT\\n*filter\\n-A NOPE -j ACCEPT\\nCOMMIT\\n'"
       " > /etc/iptables/rules.v4")  # fmt: skip
    reboot(lab.world, "vm")
    assert sh(lab, "vm", "iptables -t nat -S OUTPUT") == "-P OUTPUT ACCEPT\n-A OUTPUT -j ACCEPT\n"
    assert "filter" not in lab.world.machine("vm").netfilter.nft.tables
    assert messages(lab, "vm")[2:] == [
        "iptables-restore: line 5 failed: No chain/target/match by that name.",
        f"run-parts: {IP4} exited with return code 1",
        "run-parts: executing /usr/share/netfilter-persistent/plugins.d/25-ip6tables start",
        f"{SERVICE}: Main process exited, code=exited, status=1/FAILURE",
        f"{SERVICE}: Failed with result 'exit-code'.",
        f"Failed to start {SERVICE} - netfilter persistent configuration.",
    ]


def test_noflush_loads_too(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    sh(lab, "vm", "echo 'IPTABLES_RESTORE_NOFLUSH=\"yes\"' > /etc/default/netfilter-persistent",
       "echo '*filter' > /etc/iptables/rules.v4", "echo '-A INPUT -j DROP' >> /etc/iptables/rules.v4",
       "echo COMMIT >> /etc/iptables/rules.v4")  # fmt: skip
    reboot(lab.world, "vm")
    assert "-A INPUT -j DROP\n" in sh(lab, "vm", "iptables -S INPUT")
    assert messages(lab, "vm")[-1] == f"Finished {SERVICE} - netfilter persistent configuration."


def test_the_journal_keeps_every_boot(lab: SimulatedLab) -> None:
    lab.add_machine("vm")
    reboot(lab.world, "vm")
    sh(lab, "vm", "iptables-save > /etc/iptables/rules.v4")
    reboot(lab.world, "vm")
    journal = lab.world.machine("vm").journal
    assert journal.boot == 2
    assert "Warning: skipping IPv4 (no rules to load)" in messages(lab, "vm", 1)
    assert "Warning: skipping IPv4 (no rules to load)" not in messages(lab, "vm", 2)
    assert journal.boot_id(1) != journal.boot_id(2)


def test_defaults_file_assignments() -> None:
    vm = World().add_machine("vm")
    vm.fs.write("/etc/x", "# comment\nA=yes\nB='two words' # trailing\nif true; then\nC=\"q\"\n")
    assert sourced(vm, "/etc/x") == {"A": "yes", "B": "two words", "C": "q"}
    assert sourced(vm, "/etc/missing") == {}
    debian = sourced(vm, "/etc/default/netfilter-persistent")
    assert debian["IPTABLES_TEST_RULESET"] == "yes" and "IPTABLES_RESTORE_NOFLUSH" not in debian


def test_an_unknown_machine(lab: SimulatedLab) -> None:
    with pytest.raises(LabError, match="no such machine: nope"):
        lab.reboot("nope")
