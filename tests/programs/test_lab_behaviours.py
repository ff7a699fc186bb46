"""Kernel behaviours the network labs (src/nflab/labs/08-21) rely on, one at a time.

Each was seen on the real kernel while the labs were recorded (shared/tools/kernel-run):
a nat chain alone tracks no connection, ping after a REJECT in OUTPUT, the routes of
an interface whose last address goes, a namespace kept alive by its processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Interface

import pytest

from machines import Lab


@pytest.fixture
def bench() -> Iterator[Lab]:
    """``a`` (192.0.2.1) and ``b`` (192.0.2.2) on one cable, ``lo`` up."""
    lab = Lab("a", "b", cables=(("a", "eth0", "b", "eth0"),))
    for name, address in (("a", "192.0.2.1/24"), ("b", "192.0.2.2/24")):
        netns = lab.world.machine(name).netns.netns
        for dev in ("lo", "eth0"):
            netns.set_up(dev, True)
        netns.add_address("eth0", IPv4Interface(address))
    yield lab
    lab.close()


def original_dest(lab: Lab) -> str:
    out, status = lab.run("nc 192.0.2.2 1234", "a")
    assert status == 0
    return out.split("original dest", 1)[1]


def test_only_rules_switch_connection_tracking_on(bench: Lab) -> None:
    bench.run("test-iptables-server &", "b")
    assert original_dest(bench) == "{strerror: No such file or directory, errno: 2}\n"
    # a nat chain with an ACCEPT rule takes no conntrack reference (nor would an empty one)
    assert bench.run("iptables -t nat -A PREROUTING -p tcp --dport 9 -j ACCEPT", "b")[1] == 0
    assert original_dest(bench) == "{strerror: No such file or directory, errno: 2}\n"
    # a match on the state does, for as long as the rule is there
    assert bench.run("iptables -A INPUT -m conntrack --ctstate INVALID -j DROP", "b")[1] == 0
    assert original_dest(bench) == "{ip: 192.0.2.2, port: 1234}\n"
    assert bench.run("iptables -F INPUT", "b")[1] == 0
    assert original_dest(bench) == "{strerror: No such file or directory, errno: 2}\n"


def test_ping_reports_the_reject_of_its_own_output(bench: Lab) -> None:
    bench.run("iptables -A OUTPUT -d 192.0.2.2 -j REJECT", "a")
    out, status = bench.run("ping -c 1 -W 1 192.0.2.2", "a")
    assert status == 1
    assert out.splitlines()[1:3] == [
        "From 192.0.2.1 icmp_seq=1 Destination Port Unreachable",
        "ping: sendmsg: Operation not permitted",
    ]
    assert "1 packets transmitted, 0 received, +1 errors, 100% packet loss" in out
    # a DROP leaves nothing in the error queue: nothing is printed for the request
    bench.run("iptables -R OUTPUT 1 -d 192.0.2.2 -j DROP", "a")
    out, status = bench.run("ping -c 1 -W 1 192.0.2.2", "a")
    assert status == 1
    assert "From" not in out and "sendmsg" not in out


def test_the_last_address_takes_the_routes_of_its_device(bench: Lab) -> None:
    assert bench.run("ip route add default via 192.0.2.2", "a")[1] == 0
    bench.run("ip addr add 198.51.100.1/24 dev eth0", "a")
    bench.run("ip addr del 192.0.2.1/24 dev eth0", "a")
    # another address is left: the default route stays (the kernel does not check it)
    assert bench.run("ip route", "a")[0].startswith("default via 192.0.2.2 dev eth0")
    bench.run("ip addr del 198.51.100.1/24 dev eth0", "a")
    assert bench.run("ip route", "a") == ("", 0)
    bench.run("ip addr add 192.0.2.3/24 dev eth0", "a")
    assert bench.run("ip route add default via 192.0.2.2", "a") == ("", 0)


def test_a_namespace_lives_while_a_process_runs_in_it(bench: Lab) -> None:
    for line in (
        "ip link add veth0 type veth peer name veth0peer",
        "ip netns add ns0",
        "ip link set veth0 netns ns0",
        "ip netns exec ns0 test-iptables-server 8080 &",
        "ip netns add ns1",
        "ip link add veth1 type veth peer name veth1peer",
        "ip link set veth1 netns ns1",
        "ip netns delete ns0",
        "ip netns delete ns1",
    ):
        assert bench.run(line, "b") == ("", 0), line
    links = bench.run("ip -br link", "b")[0]
    assert "veth0peer@if" in links  # its namespace still has a process: the pair stays
    assert "veth1peer" not in links  # nothing ran in ns1: it went with its name
    assert bench.run("ip netns list", "b") == ("", 0)
