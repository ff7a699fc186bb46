"""The IPv4 packet path through the hooks, as command lines on a three-machine bench.

client (10.0.1.1) — router (10.0.1.254 | 10.0.2.254, forwarding) — server (10.0.2.1).
Each test sets rules with iptables command strings and observes through what
the real tools show: counters (``iptables -nvxL``), ``conntrack -L``, ``ping``,
``nc`` and the test server. The same behaviours are recorded on the real kernel
in ``tests/scenarios/*.md``; these tests pin them one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from machines import Lab

BENCH = {
    "client": ["ip link set lo up", "ip addr add 10.0.1.1/24 dev eth0", "ip link set eth0 up",
               "ip route add default via 10.0.1.254"],
    "router": ["ip link set lo up", "ip addr add 10.0.1.254/24 dev eth0", "ip link set eth0 up",
               "ip addr add 10.0.2.254/24 dev eth1", "ip link set eth1 up",
               "sysctl -w net.ipv4.ip_forward=1"],
    "server": ["ip link set lo up", "ip addr add 10.0.2.1/24 dev eth0", "ip link set eth0 up",
               "ip route add default via 10.0.2.254"],
}  # fmt: skip


class Bench:
    def __init__(self) -> None:
        self.lab = Lab("client", "router", "server",
                       cables=(("client", "eth0", "router", "eth0"), ("router", "eth1", "server", "eth0")))
        for machine, lines in BENCH.items():
            for line in lines:
                self.ok(machine, line)

    def run(self, machine: str, line: str) -> tuple[str, int]:
        return self.lab.run(line, machine)

    def ok(self, machine: str, line: str) -> str:
        out, status = self.run(machine, line)
        assert status == 0, f"{machine}# {line}: [{status}] {out}"
        return out

    def counters(self, machine: str, chain: str, table: str = "filter") -> list[int]:
        """The packet counters of a chain's rules, in order."""
        out = self.ok(machine, f"iptables -t {table} -nvxL {chain}")
        return [int(line.split()[0]) for line in out.splitlines()[2:] if line.strip()]

    def ping(self, machine: str, dst: str, *options: str) -> bool:
        out, status = self.run(machine, f"ping -c 1 -W 1 {' '.join(options)} {dst}")
        return status == 0

    def flows(self, machine: str) -> list[str]:
        out = self.ok(machine, "conntrack -L 2>&1")
        return [line for line in out.splitlines() if not line.startswith("conntrack v")]


@pytest.fixture
def bench() -> Iterator[Bench]:
    b = Bench()
    yield b
    b.lab.close()


# -- forwarding -------------------------------------------------------------------------


def test_forwarding_is_decided_by_the_input_device(bench: Bench) -> None:
    bench.ok("router", "iptables -A FORWARD -p icmp")
    bench.ok("router", "sysctl -w net.ipv4.ip_forward=0")
    assert not bench.ping("client", "10.0.2.1")
    assert bench.counters("router", "FORWARD") == [0]
    # the router's other address is still delivered locally
    assert bench.ping("client", "10.0.2.254")
    # eth0 alone forwarding: the request goes through, the reply (in on eth1) does not
    bench.ok("router", "sysctl -w net.ipv4.conf.eth0.forwarding=1")
    assert not bench.ping("client", "10.0.2.1")
    assert bench.counters("router", "FORWARD") == [1]


def test_ttl_is_decremented_before_forward(bench: Bench) -> None:
    bench.ok("router", "iptables -A FORWARD -m ttl --ttl-eq 63")
    bench.ok("router", "iptables -t mangle -A PREROUTING -p icmp -m ttl --ttl-eq 64")
    assert bench.ping("client", "10.0.2.1")
    assert bench.counters("router", "FORWARD") == [2]
    assert bench.counters("router", "PREROUTING", "mangle") == [2]
    out, status = bench.run("client", "ping -c 1 -W 1 -t 1 10.0.2.1")
    assert status == 1 and "From 10.0.1.254 icmp_seq=1 Time to live exceeded" in out
    assert bench.counters("router", "FORWARD") == [2]  # the TTL 1 packet never got there


# -- martians and the reverse-path filter ---------------------------------------------------


def test_loopback_destination_is_martian_unless_route_localnet(bench: Bench) -> None:
    bench.ok("server", "iptables -t nat -A PREROUTING -p icmp -j DNAT --to-destination 127.0.0.1")
    bench.ok("server", "iptables -A INPUT -p icmp")
    assert not bench.ping("client", "10.0.2.1")
    assert bench.counters("server", "PREROUTING", "nat") == [1]
    assert bench.counters("server", "INPUT") == [0]
    bench.ok("server", "sysctl -w net.ipv4.conf.all.route_localnet=1")  # all OR device
    assert bench.ping("client", "10.0.2.1")
    assert bench.counters("server", "INPUT") == [1]


def test_loopback_source_is_martian(bench: Bench) -> None:
    bench.ok("client", "iptables -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 127.0.0.5")
    bench.ok("router", "iptables -t raw -A PREROUTING -p icmp")
    bench.ok("router", "iptables -A INPUT -p icmp")
    assert not bench.ping("client", "10.0.1.254")
    assert (bench.counters("router", "PREROUTING", "raw"), bench.counters("router", "INPUT")) == ([1], [0])
    bench.ok("router", "sysctl -w net.ipv4.conf.eth0.route_localnet=1")
    assert not bench.ping("client", "10.0.1.254")  # the answer goes to 127.0.0.5: itself
    assert bench.counters("router", "INPUT") == [2]


@pytest.mark.parametrize(("setting", "forwarded"), [
    ("net.ipv4.conf.eth0.rp_filter=1", 0),
    ("net.ipv4.conf.eth0.rp_filter=2", 1),
    ("net.ipv4.conf.all.rp_filter=1", 0),  # the larger of all and the device counts
    ("net.ipv4.conf.eth1.rp_filter=1", 1),  # only the input device's
])  # fmt: skip
def test_reverse_path_filter(bench: Bench, setting: str, forwarded: int) -> None:
    bench.ok("client", "iptables -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 10.0.2.77")
    bench.ok("router", "iptables -A FORWARD -p icmp")
    bench.ok("router", f"sysctl -w {setting}")
    bench.ping("client", "10.0.2.1")
    assert bench.counters("router", "FORWARD") == [forwarded]


# -- hook order and the loopback path ------------------------------------------------------


def test_log_prefixes_show_the_hook_order_of_a_loopback_packet(bench: Bench) -> None:
    for table, chain in (("raw", "PREROUTING"), ("raw", "OUTPUT"), ("mangle", "POSTROUTING"),
                         ("nat", "OUTPUT"), ("nat", "PREROUTING"), ("filter", "INPUT")):
        bench.ok("router", f'iptables -t {table} -A {chain} -p icmp -j LOG --log-prefix "{table}:{chain} "')
    bench.ok("router", "iptables -A OUTPUT -m conntrack --ctstate INVALID -j DROP")  # conntrack on
    assert bench.ping("router", "10.0.2.254")
    log = bench.ok("router", "dmesg")
    order = re.findall(r"\] (\S+) IN=(\S*) OUT=(\S*)", log)
    request = [("raw:OUTPUT", "", "lo"), ("nat:OUTPUT", "", "lo"), ("mangle:POSTROUTING", "", "lo"),
               ("raw:PREROUTING", "lo", ""), ("filter:INPUT", "lo", "")]
    # the reply does not see the nat table; nor does the looped-back request in PREROUTING
    reply = [step for step in request if not step[0].startswith("nat:")]
    assert order == request + reply


def test_nat_sees_a_loopback_connection_in_output_and_postrouting_only(bench: Bench) -> None:
    bench.ok("router", "iptables -A INPUT -m conntrack --ctstate INVALID -j DROP")
    for chain in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"):
        bench.ok("router", f"iptables -t nat -A {chain} -p icmp")
    assert bench.ping("router", "127.0.0.1")
    counts = [bench.counters("router", c, "nat")[0] for c in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")]
    assert counts == [0, 0, 1, 1]


# -- conntrack ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "tracked"), [
    ("iptables -t nat -A POSTROUTING -o eth0 -j ACCEPT", False),  # a nat chain alone
    ("iptables -t raw -A OUTPUT -p icmp -j CT --notrack", False),
    ("iptables -t raw -A OUTPUT -p udp -j CT --zone 5", True),
    ("iptables -A INPUT -m conntrack --ctstate INVALID", True),
    ("iptables-legacy -t raw -A PREROUTING -m state --state INVALID", True),
    ("iptables -t nat -A POSTROUTING -o nosuch -j MASQUERADE", True),
])  # fmt: skip
def test_conntrack_runs_only_while_a_rule_needs_it(bench: Bench, rule: str, tracked: bool) -> None:
    bench.ok("client", rule)
    bench.ping("client", "10.0.2.1")
    assert len(bench.flows("client")) == int(tracked)


def test_a_reset_as_the_only_answer_removes_the_entry(bench: Bench) -> None:
    bench.ok("client", "iptables -A OUTPUT -m conntrack --ctstate NEW")
    out, status = bench.run("client", "nc -v 10.0.2.1 7")
    assert status == 1 and "Connection refused" in out
    assert bench.flows("client") == []


def test_an_icmp_error_is_related_and_not_a_reply(bench: Bench) -> None:
    bench.ok("client", "iptables -A INPUT -m conntrack --ctstate RELATED")
    bench.run("client", "sh -c 'echo hello | nc -u -w 1 10.0.2.1 9999'")
    assert bench.counters("client", "INPUT") == [1]
    (flow,) = bench.flows("client")
    assert flow.startswith("udp ") and "[UNREPLIED]" in flow


def test_notrack_gives_untracked_and_the_reply_is_invalid(bench: Bench) -> None:
    bench.ok("client", "iptables -t raw -A OUTPUT -p icmp -j NOTRACK")
    bench.ok("client", "iptables -A OUTPUT -m conntrack --ctstate UNTRACKED")
    bench.ok("client", "iptables -A INPUT -m conntrack --ctstate INVALID")
    assert bench.ping("client", "10.0.2.1")
    assert (bench.counters("client", "OUTPUT"), bench.counters("client", "INPUT")) == ([1], [1])


# -- NAT ------------------------------------------------------------------------------------


def _source(line: str) -> tuple[str, int]:
    m = re.match(r"source\{ip: ([\d.]+), port: (\d+)\}", line)
    assert m is not None, line
    return m.group(1), int(m.group(2))


def test_snat_keeps_a_free_port_and_moves_a_taken_one(bench: Bench) -> None:
    bench.ok("server", "test-iptables-server 1234 &")
    bench.ok("router", "iptables -t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.0.2.254")
    assert _source(bench.ok("client", "nc -p 40000 10.0.2.1 1234")) == ("10.0.2.254", 40000)
    assert _source(bench.ok("router", "nc -p 40001 10.0.2.1 1234")) == ("10.0.2.254", 40001)
    address, port = _source(bench.ok("client", "nc -p 40001 10.0.2.1 1234"))
    assert address == "10.0.2.254" and port != 40001 and port >= 1024


def test_snat_address_hash_persistent_and_existing_mapping(bench: Bench) -> None:
    bench.ok("server", "test-iptables-server 1234 &")
    bench.ok("server", "ip addr add 10.0.2.2/24 dev eth0")
    rule = "iptables -t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.0.6.1-10.0.6.8"
    bench.ok("router", rule)
    # jhash of the source with the destination as seed (the kernel picked these)
    assert _source(bench.ok("client", "nc 10.0.2.1 1234"))[0] == "10.0.6.1"
    assert _source(bench.ok("client", "nc 10.0.2.2 1234"))[0] == "10.0.6.7"
    # an existing mapping of the same source address and port wins (find_appropriate_src)
    assert _source(bench.ok("client", "nc -p 40005 10.0.2.1 1234")) == ("10.0.6.1", 40005)
    assert _source(bench.ok("client", "nc -p 40005 10.0.2.2 1234")) == ("10.0.6.1", 40005)
    bench.ok("router", "iptables -t nat -F")
    bench.ok("router", "conntrack -F")
    bench.ok("router", rule + " --persistent")
    assert _source(bench.ok("client", "nc 10.0.2.1 1234"))[0] == "10.0.6.6"
    assert _source(bench.ok("client", "nc 10.0.2.2 1234"))[0] == "10.0.6.6"


def test_redirect_uses_the_first_address_and_reports_the_original(bench: Bench) -> None:
    bench.ok("server", "test-iptables-server 1234 &")
    bench.ok("server", "ip addr add 10.0.2.2/24 dev eth0")
    bench.ok("server", "iptables -t nat -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 1234")
    bench.ok("server", "iptables -t nat -A OUTPUT -p tcp --dport 8080 -j REDIRECT --to-ports 1234")
    line = bench.ok("client", "nc 10.0.2.2 8080")
    assert "dest{ip: 10.0.2.1, port: 1234}; original dest{ip: 10.0.2.2, port: 8080}" in line
    # locally: 127.0.0.1, and the source of a connection to a secondary is its primary
    line = bench.ok("server", "nc 10.0.2.2 8080")
    assert _source(line)[0] == "10.0.2.1"
    assert "dest{ip: 127.0.0.1, port: 1234}; original dest{ip: 10.0.2.2, port: 8080}" in line


def test_an_icmp_error_about_a_dnat_connection_is_translated(bench: Bench) -> None:
    rule = "-d 10.0.1.254 -p udp --dport 5353 -j DNAT --to-destination 10.0.2.1:9999"
    bench.ok("router", f"iptables -t nat -A PREROUTING {rule}")
    bench.ok("client", "iptables -A INPUT -m conntrack --ctstate RELATED")
    bench.run("client", "sh -c 'echo hello | nc -u -w 1 10.0.1.254 5353'")
    assert bench.counters("client", "INPUT") == [1]  # the quoted datagram is the client's own


def test_output_dnat_reroutes_but_keeps_the_source(bench: Bench) -> None:
    bench.ok("server", "test-iptables-server 1234 &")
    bench.ok("router", "iptables -t nat -A OUTPUT -d 10.0.1.99 -p tcp -j DNAT --to-destination 10.0.2.1:1234")
    bench.ok("router", "iptables -t mangle -A POSTROUTING -o eth1 -p tcp")
    assert _source(bench.ok("router", "nc 10.0.1.99 80"))[0] == "10.0.1.254"
    assert bench.counters("router", "POSTROUTING", "mangle")[0] > 0


def test_output_dnat_cannot_send_a_loopback_source_out(bench: Bench) -> None:
    bench.ok("router", "iptables -t nat -A OUTPUT -d 127.0.0.1 -p tcp -j DNAT --to-destination 10.0.2.1:1234")
    out, status = bench.run("router", "nc -v -w 2 127.0.0.1 8080")
    assert status == 1 and "timed out" in out
    assert bench.counters("router", "OUTPUT", "nat") == [2]  # both SYNs: never confirmed
    assert bench.flows("router") == []


def test_zeroing_an_nft_base_chain_starts_its_policy_counter(bench: Bench) -> None:
    bench.ok("router", "iptables -A FORWARD -p tcp")
    assert bench.ping("client", "10.0.2.1")
    assert "policy ACCEPT 0 packets" in bench.ok("router", "iptables -nvL FORWARD")
    bench.ok("router", "iptables -Z FORWARD")
    assert bench.ping("client", "10.0.2.1")
    assert "policy ACCEPT 2 packets, 168 bytes" in bench.ok("router", "iptables -nvL FORWARD")


def test_conntrack_timeouts_follow_sysctl_writes(bench: Bench) -> None:
    bench.ok("client", "iptables -A INPUT -m conntrack --ctstate INVALID")
    bench.ok("client", "sysctl -w net.netfilter.nf_conntrack_icmp_timeout=10")
    assert bench.ping("client", "10.0.2.1")
    (flow,) = bench.flows("client")
    assert flow.split()[:3] == ["icmp", "1", "9"]
