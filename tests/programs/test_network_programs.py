"""curl, ping and ``python3 -m http.server`` against what the real programs did.

The transcript beside this file and the texts below were recorded from Debian 12's
programs (curl 7.88.1, iputils 20221126, Python 3.11.2) in network namespaces, the
transcript with the kernel runner (it passes there too); the parts that vary on a
real system (round trips, dates, speeds) are patterns.
"""

from __future__ import annotations

import ast
import re
from ipaddress import IPv4Interface
from pathlib import Path

import pytest

from helpers import assert_transcript
from machines import Lab
from netlab import Lab as NetLab
from nflab.lab.context import Context
from nflab.programs.curl_meter import max5data, time2str
from nflab.programs.curl_options import ParamError, parse_args
from nflab.programs.curl_url import UrlError, parse_url
from nflab.programs.net_context import socket_api
from nflab.programs.ping_report import Stats, format_rtt
from nflab.stack.sockets import SocketApi

HERE = Path(__file__).parent
DATA = HERE / "data"


def test_recorded_transcript() -> None:
    ran = assert_transcript(HERE / "network-programs.md")
    assert ran > 100


# -- a bench: a (192.0.2.1) and b (192.0.2.2) on one cable ------------------------------------


@pytest.fixture
def bench():  # type: ignore[no-untyped-def]
    lab = Lab("a", "b", cables=(("a", "eth0", "b", "eth0"),))
    for name, address in (("a", "192.0.2.1/24"), ("b", "192.0.2.2/24")):
        netns = lab.world.machine(name).netns.netns
        for dev in ("lo", "eth0"):
            netns.set_up(dev, True)
        netns.add_address("eth0", IPv4Interface(address))
    yield lab
    lab.close()


HEADER = (
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n"
)
ZERO = "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"


def test_curl_meter_when_the_connection_is_refused(bench: Lab) -> None:
    out, status = bench.run("curl -m 2 192.0.2.1:12347", "b")
    assert out == HEADER + ZERO + ZERO + "\ncurl: (7) Failed to connect to 192.0.2.1 port 12347 " \
        "after 0 ms: Couldn't connect to server\n"  # fmt: skip
    assert status == 7


def test_curl_meter_when_the_name_is_unknown(bench: Lab) -> None:
    out, status = bench.run("curl nosuch.example", "b")
    assert out == HEADER + ZERO + "curl: (6) Could not resolve host: nosuch.example\n"
    assert status == 6


def test_curl_meter_counts_the_seconds_of_a_timeout(bench: Lab) -> None:
    bench.run("iptables -A INPUT -p tcp --dport 9003 -j DROP", "a")
    out, status = bench.run("curl -m 1 192.0.2.1:9003", "b")
    one = "\r  0     0    0     0    0     0      0      0 --:--:--  0:00:01 --:--:--     0"
    assert (
        out == HEADER + ZERO + one + "\ncurl: (28) Connection timed out after 1001 milliseconds\n"
    )
    assert status == 28


def test_curl_meter_of_a_download(bench: Lab) -> None:
    bench.run("echo '<html>qq.com test page</html>' > index.html", "a")
    bench.run("python3 -m http.server 80 2> /tmp/log &", "a")
    out, status = bench.run("curl 192.0.2.1", "b")
    # real: \r100    30  100    30    0     0   7564      0 --:--:-- --:--:-- --:--:-- 10000
    final = (
        r"\r100    30  100    30    0     0  [ \d]{5}      0 --:--:-- --:--:-- --:--:-- [ \d]{5}"
    )
    assert re.fullmatch(
        re.escape(HEADER + ZERO) + final + "\n<html>qq.com test page</html>\n", out
    ), repr(out)
    assert status == 0


def test_curl_output_file_and_silence(bench: Lab) -> None:
    bench.run("echo hello > /root/a.txt", "a")
    bench.run("python3 -m http.server 80 &", "a")
    assert bench.run("curl -s -o /tmp/got.txt 192.0.2.1/a.txt", "b") == ("", 0)
    assert bench.run("cat /tmp/got.txt", "b") == ("hello\n", 0)
    assert bench.run("curl -s 192.0.2.1:81", "b") == ("", 7)


def test_python_keeps_the_banner_in_its_buffer(bench: Lab) -> None:
    bench.run("python3 -m http.server 80 > /tmp/out 2>&1 &", "a")
    bench.run("python3 -u -m http.server 81 > /tmp/out-u 2>&1 &", "a")
    assert bench.run("cat /tmp/out", "a") == ("", 0)
    assert bench.run("cat /tmp/out-u", "a") == (
        "Serving HTTP on 0.0.0.0 port 81 (http://0.0.0.0:81/) ...\n",
        0,
    )


# -- the web server's answers to raw requests ------------------------------------------------

REQUESTS = [  # what tests/programs/data/http-server-*.txt answer, recorded with python3 clients
    b"GARBAGE\r\n\r\n",
    b"GET /f.txt\r\n\r\n",
    b"POST / HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET /a%26b.html?q=1#frag HTTP/1.0\r\n\r\n",
    b"GET //f.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /f.txt HTTP/2.0\r\n\r\n",
    b"GET /f.txt HTTP/1.x\r\n\r\n",
    b"GET /zz.JS HTTP/1.0\r\n\r\n",
    b"GET /f.txt/ HTTP/1.0\r\n\r\n",
    b"HEAD /nothing HTTP/1.0\r\n\r\n",
    b"GET /d?x=1 HTTP/1.0\r\n\r\n",
    b"GET /../f.txt HTTP/1.0\r\n\r\n",
    b"\r\n",
]


def test_http_server_answers_raw_requests() -> None:
    lab = Lab("a")
    try:
        for line in (
            "ip link set lo up", "echo hi > /tmp/f.txt", "echo '<b>' > '/tmp/a&b.html'",
            "echo x > /tmp/Zed", "echo y > /tmp/zz.JS", "touch /tmp/log",
        ):  # fmt: skip
            lab.run(line, "a")
        machine = lab.world.machine("a")
        machine.fs.mkdir("/tmp/d")
        lab.run("python3 -m http.server 80 -d /tmp 2> /tmp/log &", "a")
        answers: list[bytes] = []

        def client(ctx: Context) -> int:
            api = socket_api(ctx)
            for request in REQUESTS:
                answers.append(_exchange(api, request))
            return 0

        proc = Context(machine).spawn("client", client)
        lab.world.scheduler.run_until(lambda: not proc.alive, 60)
        masked = [re.sub(rb"(Date|Last-Modified): [^\r]*", rb"\1: X", a) for a in answers]
        expected = [ast.literal_eval(line) for line in _lines(DATA / "http-server-answers.txt")]
        assert masked == expected
        log = re.sub(
            r"\[\d\d/\w{3}/\d{4} \d\d:\d\d:\d\d\]", "[DATE]", lab.run("cat /tmp/log", "a")[0]
        )
        assert log == (DATA / "http-server-log.txt").read_text().rstrip("\n") + "\n"
    finally:
        lab.close()


def _exchange(api: SocketApi, request: bytes) -> bytes:
    sock = api.socket()
    sock.connect(("127.0.0.1", 80))  # type: ignore[attr-defined]
    sock.sendall(request)  # type: ignore[attr-defined]
    data = b""
    while chunk := sock.recv(65536):  # type: ignore[attr-defined]
        data += chunk
    sock.close()
    return data


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().split("\n") if line]


# -- pieces --------------------------------------------------------------------------------


def test_ping_statistics_arithmetic() -> None:
    # the real "ping -c 2": replies in 71 and 40 µs, the second request sent 1005 ms after
    stats = Stats()
    for seq, us in ((1, 71), (2, 40)):
        stats.ntransmitted += 1
        assert not stats.reply(seq, us)
    assert stats.summary("192.0.2.2", 1_005_000_000, True) == (
        "--- 192.0.2.2 ping statistics ---\n"
        "2 packets transmitted, 2 received, 0% packet loss, time 1005ms\n"
        "rtt min/avg/max/mdev = 0.040/0.055/0.071/0.015 ms\n"
    )
    lost = Stats(ntransmitted=3, nerrors=1)
    assert lost.summary("x", 2_043_000_000, True).split("\n")[1:] == [
        "3 packets transmitted, 0 received, +1 errors, 100% packet loss, time 2043ms",
        "",
        "",
    ]
    assert Stats(ntransmitted=3, nreceived=1).summary("x", 0, False).split("\n")[1] == (
        "3 packets transmitted, 1 received, 66.6667% packet loss, time 0ms"
    )
    assert [format_rtt(us) for us in (13, 1234, 12345, 123456)] == [
        "0.013", "1.23", "12.3", "123"
    ]  # fmt: skip


def test_curl_command_line_rules() -> None:
    config = parse_args(["curl", "-sSm2", "--max-t", "3", "-H", "A: b", "--no-silent", "x"])
    assert (config.silent, config.show_error, config.max_time_ms) == (False, True, 3000)
    assert config.headers == ["A: b"] and config.urls == ["x"]
    for argv, option, reason in (
        (["--max", "1"], "--max", "is ambiguous"),
        (["--foo"], "--foo", "is unknown"),
        (["-m", "x"], "-m", "expected a proper numerical parameter"),
        (["-m", "-1"], "-m", "expected a positive numerical parameter"),
        (["-m"], "-m", "requires parameter"),
        (["--no-max-time", "1"], "--no-max-time", "used '--no-' for option that isn't a boolean"),
        (["-s", "--dns-servers", "1.1.1.1"], "--dns-servers", "the installed libcurl version "
         "doesn't support this"),
    ):  # fmt: skip
        with pytest.raises(ParamError) as err:
            parse_args(["curl", *argv])
        assert (err.value.option, err.value.reason) == (option, reason)


def test_curl_urls() -> None:
    url = parse_url("al:8001/a/./b/../c?x=1#frag")
    assert (url.host, url.port, url.path, url.host_header) == ("al", 8001, "/a/c?x=1", "al:8001")
    assert parse_url("0:80").host == "0.0.0.0"  # "Failed to connect to 0.0.0.0 port 80"
    assert parse_url("http://qq.com").host_header == "qq.com"
    for bad in ("192.0.2.1:99999", "192.0.2.1:", "a b", ""):
        with pytest.raises(UrlError):
            parse_url(bad)


def test_curl_meter_columns() -> None:
    assert [max5data(n) for n in (30, 99999, 100000, 10240000, 123456789)] == [
        "   30", "99999", "  97k", " 9.7M", " 117M"
    ]  # fmt: skip
    assert [time2str(s) for s in (0, 1, 3725, 360000)] == [
        "--:--:--", " 0:00:01", " 1:02:05", "  4d 04h"
    ]  # fmt: skip


# -- the stack behaviour curl depends on -------------------------------------------------------


@pytest.mark.parametrize(("timeout", "when"), [(None, 1.0), (0.0, 0.0), (5.0, 0.0)])
def test_icmp_error_for_the_first_syn(timeout: float | None, when: float) -> None:
    # real: a blocking connect() gets "Connection refused" with the retransmission one second
    # later; a non-blocking one (curl, Python with a timeout) at once
    lab = NetLab()
    lab.ipt(lab.b, "iptables -A INPUT -p tcp --dport 80 -j REJECT")
    result: dict[str, object] = {}

    def body(net: SocketApi) -> None:
        s = net.socket()
        s.settimeout(timeout)
        err = s.connect_ex(("10.0.0.2", 80))  # type: ignore[attr-defined]
        if timeout == 0.0:
            net.select([], [s], [], 5)
            err = s.getsockopt(1, 4)  # SO_ERROR
        result["error"] = (err, net.now)

    lab.run(lab.spawn(lab.a, "client", body))
    err, now = result["error"]  # type: ignore[misc]
    assert err == 111
    # the retransmission timer runs on the timer wheel: 4 to 32 ms after the second (HZ=250)
    assert when <= now <= when + (0.032 if when else 0.01)
