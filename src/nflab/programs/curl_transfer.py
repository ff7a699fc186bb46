"""One curl transfer: resolve, connect, send the request, read the answer.

Plain HTTP/1.1 as curl 7.88.1 speaks it: the request headers in curl's order
(``Host``, ``User-Agent: curl/7.88.1``, ``Accept: */*``, then ``-H`` headers,
which replace or remove the built-in ones), the body of the answer on
stdout (or ``-o FILE``), the error texts and codes of libcurl, and ``-v``'s
trace for the common path. Waiting happens in simulated time; curl wakes
at least once a second (``curl_multi_poll``'s 1000 ms), which is when the
progress meter moves, and a ``-m`` timeout is noticed one millisecond
late, as the real poll() does ("after 2001 milliseconds").
"""

from __future__ import annotations

import codecs
import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv6Address, ip_address

from ..lab.files import FsError
from ..stack.sockets import (
    AF_INET,
    AF_INET6,
    SO_BINDTODEVICE,
    SO_ERROR,
    SOCK_STREAM,
    SOL_SOCKET,
    SocketApi,
)
from ..stack.tcp_socket import TcpSocket
from .base import Io
from .curl_meter import Meter
from .curl_options import Config
from .curl_url import Url
from .resolver import IPAddress, lookup
from .system import NotSimulated, System

USER_AGENT = "curl/7.88.1"
POLL = 1.0  # curl_multi_poll's longest sleep
LATE = 0.001  # how late poll() reports a timeout


class CurlError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class _Timeout(Exception):
    pass


@dataclass
class Response:
    version: str = ""
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class Transfer:
    def __init__(
        self,
        config: Config,
        url: Url,
        output: str | None,
        io: Io,
        system: System,
        api: SocketApi,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.url = url
        self.output = output
        self.io = io
        self.system = system
        self.api = api
        self.clock = clock
        self.start = clock()
        self.last_wake = self.start
        self.meter = Meter(io, self.start, enabled=not config.silent)
        self.sock: TcpSocket | None = None
        self.received = 0  # body bytes
        self.resolved = False  # the meter ends its line once the name is resolved
        self.connected = False
        self.expected: int | None = None  # Content-Length
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._file_open = False

    # -- helpers -------------------------------------------------------------------------

    def info(self, text: str) -> None:
        if self.config.verbose:
            self.io.err(f"* {text}\n")

    def fail(self, code: int, message: str) -> CurlError:
        """``failf``: the error, also in the verbose trace."""
        self.info(message)
        return CurlError(code, message)

    def elapsed_ms(self) -> int:
        return int(round((self.clock() - self.start) * 1e6)) // 1000

    def deadline(self, connecting: bool) -> float | None:
        limits = [self.config.max_time_ms]
        if connecting:
            limits.append(self.config.connect_timeout_ms)
        limits = [ms for ms in limits if ms > 0]
        return self.start + min(limits) / 1000 if limits else None

    def wait(self, sock: TcpSocket, readable: bool, deadline: float | None) -> None:
        """Block until ``sock`` is ready; the meter moves at each wake-up; _Timeout."""
        while not (sock.poll_readable() if readable else sock.poll_writable()):
            now = self.clock()
            if deadline is not None and now >= deadline + LATE - 1e-9:
                raise _Timeout()
            wake = self.last_wake + POLL
            expiring = deadline is not None and deadline <= wake
            limit = deadline + LATE if deadline is not None and expiring else wake
            ready = [sock]
            self.api.select(ready if readable else [], [] if readable else ready, [], limit - now)
            now = self.clock()
            if expiring and now >= limit - 1e-9:
                continue  # the timeout, noticed at this wake-up: no meter line
            if now >= wake - 1e-9:
                self.last_wake = now
                self.meter.update(now)

    # -- the transfer ----------------------------------------------------------------------

    def run(self) -> None:
        """The whole transfer; CurlError on failure (the sockets are closed either way)."""
        self.meter.update(self.start)
        try:
            addresses = self.resolve()
            self.resolved = True
            self.connect(addresses)
            self.connected = True
            self.request()
            self.response()
        except _Timeout:
            error = self.timeout_error()
        except CurlError as err:
            error = err
        else:
            return
        finally:
            if self.sock is not None:
                self.sock.close()
        if self.resolved:
            self.meter.done(self.clock())
        self.info("Closing connection 0")
        raise error

    def resolve(self) -> list[IPAddress]:
        url = self.url
        if url.literal is not None:
            return [url.literal]
        if url.host.lower() == "localhost":  # curl answers localhost itself
            return [ip_address("127.0.0.1"), IPv6Address(1)]
        answer = lookup(self.system, url.host)
        if answer is None:
            raise self.fail(6, f"Could not resolve host: {url.host}")
        return list(answer.addresses)

    def connect(self, addresses: list[IPAddress]) -> None:
        url = self.url
        for addr in addresses:
            text = f"[{addr}]" if addr.version == 6 else str(addr)
            self.info(f"  Trying {text}:{url.port}...")
            sock = self.api.socket(AF_INET if addr.version == 4 else AF_INET6, SOCK_STREAM)
            assert isinstance(sock, TcpSocket)
            self.sock = sock
            self.bind_local(sock)
            sock.setblocking(False)
            err = sock.connect_ex((str(addr), url.port))
            if err not in (0, errno.EINPROGRESS):
                self.info(f"Immediate connect fail for {addr}: {os.strerror(err)}")
                sock.close()
                continue
            self.wait(sock, False, self.deadline(connecting=True))
            err = int(sock.getsockopt(SOL_SOCKET, SO_ERROR))
            if err == 0:
                self.info(f"Connected to {url.host} ({addr}) port {url.port} (#0)")
                sock.setblocking(True)  # from now on curl waits (poll) before each recv
                return
            self.info(f"connect to {addr} port {url.port} failed: {os.strerror(err)}")
            sock.close()
        self.sock = None
        raise self.fail(
            7,
            f"Failed to connect to {url.host} port {url.port} after {self.elapsed_ms()} ms: "
            "Couldn't connect to server",
        )

    def bind_local(self, sock: TcpSocket) -> None:
        """``--interface``: a device name (SO_BINDTODEVICE), else an address to bind to."""
        name = self.config.interface
        if name is None:
            return
        try:
            sock.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, name.encode() + b"\0")
            return
        except OSError:
            pass
        answer = lookup(self.system, name)
        if answer is None:
            raise self.fail(45, f"Couldn't bind to '{name}'")
        try:
            sock.bind((str(answer.addresses[0]), 0))
        except OSError as err:
            raise self.fail(45, f"bind failed with errno {err.errno}: {err.strerror}") from None

    def timeout_error(self) -> CurlError:
        ms = self.elapsed_ms()
        config = self.config
        if (
            not self.connected
            and config.connect_timeout_ms
            and (not config.max_time_ms or config.connect_timeout_ms < config.max_time_ms)
        ):
            url = self.url
            return self.fail(
                28, f"Failed to connect to {url.host} port {url.port} after {ms} ms: "
                "Timeout was reached",
            )  # fmt: skip
        if not self.connected:
            return self.fail(28, f"Connection timed out after {ms} milliseconds")
        size = self.expected
        got = f"{self.received} out of {size}" if size is not None else f"{self.received}"
        return self.fail(
            28, f"Operation timed out after {ms} milliseconds with {got} bytes received"
        )

    # -- HTTP ----------------------------------------------------------------------------

    def request_text(self) -> str:
        config, url = self.config, self.url
        method = config.method or ("HEAD" if config.head else "GET")
        custom: list[tuple[str, str]] = []  # (name, line); line "" removes a built-in header
        for header in config.headers:
            if ":" in header and (";" not in header or header.index(":") < header.index(";")):
                name, _, value = header.partition(":")
                custom.append((name.strip(), header if value.strip() else ""))
            elif ";" in header:
                name = header.partition(";")[0].strip()
                custom.append((name, f"{name}:"))
        names = {name.lower(): line for name, line in custom}
        lines = [f"{method} {url.path} HTTP/1.1"]
        host = names.get("host")
        if host is None:
            lines.append(f"Host: {url.host_header}")
        elif host:
            lines.append(f"Host:{host[5:]}")
        if "user-agent" not in names:
            ua = config.user_agent if config.user_agent is not None else USER_AGENT
            if ua:
                lines.append(f"User-Agent: {ua}")
        if "accept" not in names:
            lines.append("Accept: */*")
        lines += [line for name, line in custom if line and name.lower() != "host"]
        return "".join(line + "\r\n" for line in lines) + "\r\n"

    def request(self) -> None:
        text = self.request_text()
        assert self.sock is not None
        try:
            self.sock.sendall(text.encode("latin-1"))
        except OSError as err:
            raise self.fail(55, f"Send failure: {err.strerror}") from None
        if self.config.verbose:
            self.io.err("".join(f"> {line}\r\n" for line in text.split("\r\n")[:-1]))

    def recv(self) -> bytes:
        sock = self.sock
        assert sock is not None
        self.wait(sock, True, self.deadline(connecting=False))
        try:
            return sock.recv(65536)
        except OSError as err:
            raise self.fail(56, f"Recv failure: {err.strerror}") from None

    def response(self) -> None:
        data = b""
        while b"\n" not in data:
            chunk = self.recv()
            if not chunk:
                if not data:
                    raise self.fail(52, "Empty reply from server")
                break
            data += chunk
            if not b"HTTP/".startswith(data[:5].upper()):
                raise self.fail(1, "Received HTTP/0.9 when not allowed")
        response, body = self.headers(data)
        self.body(response, body)

    def headers(self, data: bytes) -> tuple[Response, bytes]:
        response = Response()
        head = self.config.head or self.config.include
        while True:
            end = data.find(b"\n")
            if end < 0:
                chunk = self.recv()
                if not chunk:
                    raise self.fail(52, "Empty reply from server")
                data += chunk
                continue
            raw, data = data[: end + 1], data[end + 1 :]
            line = raw.decode("latin-1")
            if not response.version:
                words = line.split()
                response.version = words[0].upper() if words else ""
                response.status = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
                if response.version == "HTTP/1.0":
                    self.info("HTTP 1.0, assume close after body")
            elif line.strip():
                name, _, value = line.partition(":")
                response.headers.append((name.strip(), value.strip()))
            if not line.strip() and self.config.fail and response.status >= 400:
                # --fail: the error comes with the end of the headers
                raise self.fail(22, f"The requested URL returned error: {response.status}")
            if self.config.verbose:
                self.io.err(f"< {line}")
            if head:
                self.io.out(line)
            if not line.strip():
                return response, data

    def body(self, response: Response, data: bytes) -> None:
        if (response.header("Transfer-Encoding") or "").lower() == "chunked":
            raise NotSimulated("curl reading a chunked answer")
        length_text = response.header("Content-Length")
        length = int(length_text) if length_text and length_text.isdigit() else None
        if self.config.head or response.status in (204, 304):
            length = 0
        self.expected = length
        self.meter.size = length
        keep_alive = (
            response.version == "HTTP/1.1"
            and length is not None
            and ((response.header("Connection") or "").lower() != "close")
        )
        while length is None or self.received < length:
            if data:
                self.write(data if length is None else data[: length - self.received])
                data = b""
                continue
            data = self.recv()
            if not data:
                if length is not None:
                    raise self.fail(
                        18, f"transfer closed with {length - self.received} bytes remaining to read"
                    )
                break
        self.finish_output()
        self.meter.done(self.clock())
        if keep_alive:
            self.info(f"Connection #0 to host {self.url.host} left intact")
        else:
            self.info("Closing connection 0")

    def write(self, data: bytes) -> None:
        self.received += len(data)
        self.meter.downloaded = self.received
        if self.config.verbose:
            self.io.err(f"{{ [{len(data)} bytes data]\n")
        text = self._decoder.decode(data)
        self.emit(text)

    def emit(self, text: str) -> None:
        if self.output is None:
            self.io.out(text)
            return
        fs = self.system.fs
        path = fs.resolve(self.output, self.system.cwd)
        try:
            if not self._file_open:
                fs.open_for_write(path)
                self._file_open = True
            fs.append(path, text)
        except FsError as err:
            if not self.config.silent:
                self.io.err(f"Warning: Failed to open the file {self.output}: {err.strerror}\n")
            raise self.fail(23, "Failure writing output to destination") from None

    def finish_output(self) -> None:
        self.emit(self._decoder.decode(b"", final=True))
