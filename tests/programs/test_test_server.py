"""test-iptables-server: one code for the simulated machines and the real console command.

The simulated program is checked against the real kernel by the transcripts
(``nc-and-test-server.md`` here, the seed labs); this file runs the real
command on this host's loopback and drives :func:`serve` with a fake socket
module for the failures a lab cannot provoke.
"""

from __future__ import annotations

import errno
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nflab.programs.test_iptables_server import USAGE, original_destination, serve

LINE = re.compile(
    r"source\{ip: 127\.0\.0\.1, port: (\d+)\}; dest\{ip: 127\.0\.0\.1, port: (\d+)\}; "
    r"original dest\{(?:ip: 127\.0\.0\.1, port: \d+|strerror: [A-Za-z ]+, errno: \d+)\}\n"
)
COMMAND = [sys.executable, "-m", "nflab.programs.test_iptables_server"]


def _free_port() -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 0))
        except OSError as exc:
            pytest.skip(f"no TCP on this host's loopback: {exc}")
        port: int = probe.getsockname()[1]
        return port


def _ask(port: int, deadline: float) -> bytes | None:
    """Connect and read until the server closes; None while nothing listens yet."""
    with socket.socket() as client:
        client.settimeout(5)
        try:
            client.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            return None
        chunks = []
        while data := client.recv(4096):
            chunks.append(data)
        return b"".join(chunks)


@pytest.fixture
def real_server() -> Iterator[int]:
    """The console command listening on a free port (it runs until it is stopped)."""
    port = _free_port()
    proc = subprocess.Popen([*COMMAND, str(port)], stderr=subprocess.PIPE, text=True)
    try:
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_the_real_command_answers_on_loopback(real_server: int) -> None:
    deadline = time.monotonic() + 10
    answer = None
    while answer is None:
        answer = _ask(real_server, deadline)
        time.sleep(0.05)
    text = answer.decode()
    match = LINE.fullmatch(text)
    assert match, text
    assert int(match.group(2)) == real_server
    assert _ask(real_server, deadline) is not None  # it goes on serving


def test_the_real_command_fails_like_the_c_program(real_server: int) -> None:
    deadline = time.monotonic() + 10
    while _ask(real_server, deadline) is None:
        time.sleep(0.05)
    second = subprocess.run(
        [*COMMAND, str(real_server)], capture_output=True, text=True, timeout=30
    )
    assert (second.stderr, second.returncode) == ("bind error: Address already in use\n", 255)
    bad = subprocess.run([*COMMAND, "12x"], capture_output=True, text=True, timeout=30)
    assert (bad.stderr, bad.returncode) == (USAGE, 255)


# -- serve() against a fake socket module ---------------------------------------------


class FakeConn:
    def __init__(self, peer: tuple[str, int], orig: bytes | int, fail_send: bool = False):
        self.peer = peer
        self.orig = orig
        self.fail_send = fail_send
        self.sent: list[bytes] = []
        self.closed = False

    def getsockname(self) -> tuple[str, int]:
        return ("192.168.57.3", 1234)

    def getsockopt(self, level: int, option: int, size: int) -> bytes:
        assert (level, option, size) == (0, 80, 16)  # SOL_IP, SO_ORIGINAL_DST, sockaddr_in
        if isinstance(self.orig, int):
            raise OSError(self.orig, "ignored: the text comes from strerror()")
        return self.orig

    def send(self, data: bytes) -> int:
        if self.fail_send:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        self.sent.append(data)
        return len(data)

    def close(self) -> None:
        self.closed = True


class FakeNet:
    """``socket.socket()`` whose listener hands out ``conns``, then fails ``accept``."""

    def __init__(self, conns: list[FakeConn], fail: str = "", code: int = errno.EINVAL):
        self.conns = list(conns)
        self.fail = fail
        self.code = code
        self.bound: tuple[str, int] | None = None
        self.backlog = 0

    def _maybe_fail(self, what: str) -> None:
        if self.fail == what:
            raise OSError(self.code, "ignored")

    def socket(self, family: int, kind: int) -> FakeNet:
        assert (family, kind) == (2, 1)  # AF_INET, SOCK_STREAM
        self._maybe_fail("socket")
        return self

    def bind(self, address: tuple[str, int]) -> None:
        self._maybe_fail("bind")
        self.bound = address

    def listen(self, backlog: int) -> None:
        self._maybe_fail("listen")
        self.backlog = backlog

    def accept(self) -> tuple[FakeConn, tuple[str, int]]:
        if not self.conns:
            raise OSError(errno.EMFILE, "ignored")
        conn = self.conns.pop(0)
        if self.fail == "getsockname":

            def broken() -> tuple[str, int]:
                raise OSError(errno.ENOTCONN, "ignored")

            conn.getsockname = broken  # type: ignore[method-assign]
        return conn, conn.peer


def run(net: FakeNet, *args: str) -> tuple[int, str]:
    errors: list[str] = []
    status = serve(net, ["test-iptables-server", *args], errors.append)
    return status, "".join(errors)


def sockaddr_in(ip: bytes, port: int) -> bytes:
    return (2).to_bytes(2, "little") + port.to_bytes(2, "big") + ip + bytes(8)


def test_each_connection_gets_three_sends_then_close() -> None:
    translated = FakeConn(("192.168.57.1", 50262), sockaddr_in(bytes([192, 168, 57, 3]), 12345))
    untracked = FakeConn(("192.168.57.1", 50263), errno.ENOENT)
    net = FakeNet([translated, untracked])
    assert run(net) == (255, "accept error!: Too many open files\n")
    assert (net.bound, net.backlog) == (("0.0.0.0", 1234), 5)
    assert translated.sent == [
        b"source{ip: 192.168.57.1, port: 50262}; ",
        b"dest{ip: 192.168.57.3, port: 1234}; ",
        b"original dest{ip: 192.168.57.3, port: 12345}\n",
    ]
    assert untracked.sent[2] == b"original dest{strerror: No such file or directory, errno: 2}\n"
    assert translated.closed and untracked.closed


def test_a_reset_client_does_not_stop_the_server() -> None:
    gone = FakeConn(("10.0.0.1", 40000), errno.ENOENT, fail_send=True)
    net = FakeNet([gone])
    assert run(net, "8080") == (255, "accept error!: Too many open files\n")
    assert gone.closed and net.bound == ("0.0.0.0", 8080)


@pytest.mark.parametrize(
    ("fail", "code", "message"),
    [
        ("socket", errno.EMFILE, "socket error: Too many open files"),
        ("bind", errno.EADDRINUSE, "bind error: Address already in use"),
        ("bind", errno.EACCES, "bind error: Permission denied"),
        ("listen", errno.EOPNOTSUPP, "listen error: Operation not supported"),
        ("getsockname", errno.ENOTCONN, "getsockname error: Transport endpoint is not connected"),
    ],
)
def test_failures_print_perror_and_exit_255(fail: str, code: int, message: str) -> None:
    conn = FakeConn(("10.0.0.1", 40000), errno.ENOENT)
    assert run(FakeNet([conn], fail, code)) == (255, message + "\n")


@pytest.mark.parametrize("port", ["x", "-1", "65536", "", "1.5"])
def test_a_port_that_is_not_one_is_a_usage_error(port: str) -> None:
    assert run(FakeNet([]), port) == (255, USAGE)


def test_original_destination_parses_a_sockaddr_in() -> None:
    conn: Any = FakeConn(("10.0.0.1", 1), sockaddr_in(bytes([127, 0, 0, 1]), 8888))
    assert original_destination(conn) == "original dest{ip: 127.0.0.1, port: 8888}\n"
    conn.orig = errno.ENOPROTOOPT  # the tutorial's kernel, without conntrack
    assert (
        original_destination(conn) == "original dest{strerror: Protocol not available, errno: 92}\n"
    )


def test_the_console_script_is_declared() -> None:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    entry: str = project["project"]["scripts"]["test-iptables-server"]
    module, _, attr = entry.partition(":")
    loaded: Callable[[], int] = getattr(__import__(module, fromlist=[attr]), attr)
    assert callable(loaded)
