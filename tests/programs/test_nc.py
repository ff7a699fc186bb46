"""nc (netcat-openbsd 1.219) on simulated machines.

The transcript beside this file was recorded on the real kernel; the tests
below check what a transcript cannot show: how long nc waits (simulated
time), that it writes what it receives as it arrives, and its helpers.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Interface, IPv6Address
from pathlib import Path
from typing import Any

import pytest

from helpers import assert_transcript
from machines import Lab
from nflab.lab.context import Context
from nflab.programs.nc_names import (
    BadNumber,
    GaiError,
    PortError,
    build_ports,
    getaddrinfo,
    getnameinfo,
    strtonum,
)
from nflab.programs.nc_options import HELP, USAGE, Options, getopt
from nflab.programs.net_context import socket_api

HERE = Path(__file__).parent


def test_recorded_transcript() -> None:
    ran = assert_transcript(HERE / "nc-and-test-server.md")
    assert ran > 90


# -- a bench: a (10.0.0.1) and b (10.0.0.2) on one cable ------------------------------------


@pytest.fixture
def bench() -> Iterator[Lab]:
    lab = Lab("a", "b", cables=(("a", "eth0", "b", "eth0"),))
    for name, address in (("a", "10.0.0.1/24"), ("b", "10.0.0.2/24")):
        netns = lab.world.machine(name).netns.netns
        for dev in ("lo", "eth0"):
            netns.set_up(dev, True)
        netns.add_address("eth0", IPv4Interface(address))
    yield lab
    lab.close()


def timed(lab: Lab, line: str, machine: str) -> tuple[str, int, float]:
    start = lab.world.scheduler.now
    out, status = lab.run(line, machine)
    return out, status, round(lab.world.scheduler.now - start, 1)  # wire times are ~0.1 ms


def server(lab: Lab, machine: str, port: int, script: list[tuple[float, bytes]]) -> None:
    """A simulated server process: for one connection, after each delay send the bytes,
    then close."""

    def body(ctx: Context) -> int:
        api = socket_api(ctx)
        listener = api.socket()
        listener.bind(("", port))
        listener.listen()
        conn, _ = listener.accept()
        for delay, data in script:
            ctx.require_process().sleep(delay)
            conn.send(data)
        conn.close()
        return 0

    Context(lab.world.machine(machine)).spawn("server", body)


def test_w_bounds_the_connect_time(bench: Lab) -> None:
    bench.run("iptables -A INPUT -p tcp --dport 5005 -j DROP", "b")
    assert timed(bench, "nc -w 3 10.0.0.2 5005", "a") == ("", 1, 3.0)
    out, status, took = timed(bench, "nc -v -w 2 10.0.0.2 5005", "a")
    assert out == "nc: connect to 10.0.0.2 port 5005 (tcp) timed out: Operation now in progress\n"
    assert (status, took) == (1, 2.0)


def test_without_w_the_kernel_gives_up_on_the_syn(bench: Lab) -> None:
    bench.run("iptables -A INPUT -p tcp --dport 5005 -j DROP", "b")
    out, status, took = timed(bench, "nc -v 10.0.0.2 5005", "a")
    assert out == "nc: connect to 10.0.0.2 port 5005 (tcp) failed: Connection timed out\n"
    assert status == 1
    assert 120 < took < 140  # the real one took 135 s (6 SYN retries, 4 of them linear)


def test_without_w_a_client_waits_for_the_server_to_close(bench: Lab) -> None:
    server(bench, "b", 7000, [(5.0, b"late\n"), (20.0, b"later\n")])
    assert timed(bench, "nc 10.0.0.2 7000", "a") == ("late\nlater\n", 0, 25.0)


def test_w_ends_a_quiet_connection_with_status_0(bench: Lab) -> None:
    server(bench, "b", 7000, [(2.0, b"one\n"), (2.0, b"two\n"), (10.0, b"never shown\n")])
    assert timed(bench, "nc -w 3 10.0.0.2 7000", "a") == ("one\ntwo\n", 0, 7.0)


def test_received_data_is_written_as_it_arrives(bench: Lab) -> None:
    bench.run("nc -l 7001 > /tmp/got 2>&1 &", "b")
    server_side = bench.world.machine("a")

    def client(ctx: Context) -> int:
        sock = socket_api(ctx).socket()
        sock.connect(("10.0.0.2", 7001))
        sock.send(b"first\n")
        ctx.require_process().sleep(10)
        sock.send(b"second\n")
        sock.close()
        return 0

    Context(server_side).spawn("client", client)
    bench.run("sleep 5")
    assert bench.run("cat /tmp/got", "b") == ("first\n", 0)
    bench.run("sleep 10")
    assert bench.run("cat /tmp/got", "b") == ("first\nsecond\n", 0)


def test_n_shuts_the_write_side_and_q_waits_before_exiting(bench: Lab) -> None:
    bench.run("nc -l 7002 > /tmp/got &", "b")
    assert timed(bench, "echo bye | nc -q 2 10.0.0.2 7002", "a") == ("", 0, 2.0)
    assert bench.run("cat /tmp/got", "b") == ("bye\n", 0)
    bench.run("nc -l 7003 > /tmp/got3 &", "b")
    assert timed(bench, "echo bye | nc -N 10.0.0.2 7003", "a")[1:] == (0, 0.0)


def test_a_listener_serves_one_connection_unless_k(bench: Lab) -> None:
    bench.run("nc -lnv 7004 > /tmp/log 2>&1 &", "b")
    assert bench.run("echo one | nc -N 10.0.0.2 7004", "a") == ("", 0)
    assert bench.run("echo two | nc -v -N 10.0.0.2 7004", "a") == (
        "nc: connect to 10.0.0.2 port 7004 (tcp) failed: Connection refused\n",
        1,
    )
    log = bench.run("cat /tmp/log", "b")[0].splitlines()
    assert log[0] == "Listening on 0.0.0.0 7004"
    assert log[1].startswith("Connection received on 10.0.0.1 ")
    assert log[2:] == ["one"]


def test_unsimulated_options_say_so(bench: Lab) -> None:
    from nflab.programs.system import NotSimulated

    with pytest.raises(NotSimulated, match="nc -x"):
        bench.run("nc -x proxy:1080 10.0.0.2 80", "a")


# -- the pieces -------------------------------------------------------------------------


def test_help_has_the_usage_and_a_line_per_option() -> None:
    lines = HELP.splitlines()
    assert lines[0] == "OpenBSD netcat (Debian patchlevel 1.219-1)"
    assert "\n".join(lines[1:6]) + "\n" == USAGE
    assert "\t\t-p port\t\tSpecify local port for remote connects" in lines
    assert "\t\t-s sourceaddr\tLocal source address" in lines


def test_getopt_permutes_and_reports_in_order() -> None:
    operands: list[str] = []
    found = list(getopt(["nc", "host", "-vw5", "80", "-", "-q", "1", "--", "-z"], operands))
    assert found == [("v", None), ("w", "5"), ("q", "1")]
    assert operands == ["host", "80", "-", "-z"]
    assert list(getopt(["nc", "--foo"], [])) == [("?", "-"), ("?", "f"), ("?", "o"), ("?", "o")]
    assert list(getopt(["nc", "-lw"], [])) == [("l", None), (":", "w")]


def test_strtonum_and_ports() -> None:
    assert strtonum(" +12", 0, 20) == 12
    for text, why in (("", "invalid"), ("1x", "invalid"), ("0", "too small"), ("99", "too large")):
        with pytest.raises(BadNumber, match=why):
            strtonum(text, 1, 20)
    assert Options().proto == "tcp"


@pytest.fixture
def machine(bench: Lab) -> Any:
    vm = bench.world.machine("a")
    vm.fs.append("/etc/hosts", "10.0.0.2 srv srv.lab\n")
    return Context(vm)


def test_build_ports(machine: Any) -> None:
    assert build_ports(machine, ["ssh", "3-1", "http-alt", "7"], "tcp") == [22, 1, 2, 3, 8080, 7]
    for word, message in (("5-", "port number invalid: "), ("a-b", "port number invalid: a-b")):
        with pytest.raises(PortError, match=message):
            build_ports(machine, [word], "tcp")
    with pytest.raises(PortError, match="too large: 70000"):
        build_ports(machine, ["1-70000"], "tcp")


def test_getaddrinfo_like_glibc(machine: Any) -> None:
    def addrs(host: str | None, **kw: Any) -> list[Any]:
        return [(i.address, i.port) for i in getaddrinfo(machine, host, "80", **kw)]

    assert addrs("localhost") == [(IPv6Address(1), 80), (IPv4Address("127.0.0.1"), 80)]
    assert addrs("SRV") == [(IPv4Address("10.0.0.2"), 80)]
    assert addrs("127.1") == [(IPv4Address("127.0.0.1"), 80)]
    assert addrs(None, passive=True, family=2) == [(IPv4Address(0), 80)]
    failures = (
        ("nosuch", {}, "Temporary failure in name resolution"),
        ("srv", {"numeric": True}, "Name or service not known"),
        ("127.0.0.1", {"family": 10}, "Address family for hostname not supported"),
    )
    for host, kw, text in failures:
        with pytest.raises(GaiError, match=text):
            getaddrinfo(machine, host, "80", **kw)
    with pytest.raises(GaiError, match="Servname not supported for ai_socktype"):
        getaddrinfo(machine, None, "nosuchservice", passive=True)
    assert getaddrinfo(machine, "srv", "http", proto="tcp")[0].port == 80


def test_getnameinfo(machine: Any) -> None:
    assert getnameinfo(machine, IPv4Address("10.0.0.2"), numeric=False) == "srv"
    assert getnameinfo(machine, IPv6Address("::ffff:127.0.0.1"), numeric=False) == "localhost"
    assert getnameinfo(machine, IPv6Address("::ffff:10.0.0.9"), numeric=True) == "::ffff:10.0.0.9"
    with pytest.raises(GaiError, match="Temporary failure in name resolution"):
        getnameinfo(machine, IPv4Address("0.0.0.0"), numeric=False)
