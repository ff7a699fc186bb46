"""Machines of a world: fresh state, names from their own files, the shared clock."""

from __future__ import annotations

import ipaddress

import pytest

from nflab.lab.world import LabError, World


def test_a_fresh_machine_looks_like_one_the_kernel_runner_makes() -> None:
    vm = World().add_machine("vm")
    assert vm.fs.read("/etc/hostname") == "vm\n"
    assert "127.0.1.1\tvm\n" in vm.fs.read("/etc/hosts")
    for d in ("/etc/iptables", "/tmp", "/var/log", "/root"):
        assert vm.fs.is_dir(d)
    assert vm.cwd == "/root"
    assert vm.netfilter.nft.tables == {}


def test_names_follow_the_machines_files() -> None:
    vm = World().add_machine("vm")
    assert vm.names.port_by_name("ssh", "tcp") == 22
    assert vm.names.host_addresses("vm") == [ipaddress.IPv4Address("127.0.1.1")]
    vm.fs.write("/etc/services", "myservice 4242/tcp\n")
    assert vm.names.port_by_name("myservice", "tcp") == 4242
    assert vm.names.port_by_name("ssh", "tcp") is None


def test_machines_share_the_clock() -> None:
    world = World()
    a, b = world.add_machine("a"), world.add_machine("b")
    before = a.now_ctime()
    world.sleep(86400)
    assert before == "Tue Nov 14 22:13:20 2023"
    assert b.now_ctime() == "Wed Nov 15 22:13:20 2023"


def test_lab_errors() -> None:
    world = World()
    world.add_machine("vm")
    with pytest.raises(LabError, match="machine vm exists"):
        world.add_machine("vm")
    with pytest.raises(LabError, match="bad machine name"):
        world.add_machine("Bad")
    with pytest.raises(LabError, match="no such machine: pc"):
        world.machine("pc")
    world.copy_in("vm", "/etc/iptables/rules.v4", "*filter\nCOMMIT\n")
    assert world.machine("vm").fs.read("/etc/iptables/rules.v4") == "*filter\nCOMMIT\n"
