"""``nc``: OpenBSD netcat as Debian 12 ships it (netcat-openbsd 1.219-1).

Simulated: the client (``nc [-46Nnuvz] [-w SECS] [-q SECS] [-s ADDR] [-p PORT]
HOST PORT...``, ports may be ``lo-hi`` ranges or service names) and the
server (``nc -l [-k] ... [HOST] PORT``, ``-l -p PORT [-s ADDR]``), ``-d``,
``-h``. Everything nc prints goes straight to its descriptors (``write(2)``
and unbuffered stderr). Messages and statuses are those of the real
program: a client exits 0 once a connection succeeded, 1 when none did;
``-v`` reports each attempt (``nc: connect to HOST (ADDR) port P (tcp)
failed: REASON`` or ``timed out: Operation now in progress`` after ``-w``)
and each success; a listener reports ``Listening on``/``Connection received
on`` (names from ``/etc/hosts``, or ``nc: getnameinfo: ...`` for an address
it has none for, the lab having no DNS, unless ``-n``).

Not simulated (an error at the command): ``-b -C -D -F -I -i -M -m -O -P
-r -S -T -t -U -W -X -x -Z`` (``-V`` fails as on Linux). ``SO_REUSEPORT``,
which lets two real ``nc -l`` share a port, is set but the simulated stack
ignores it: there the second one fails with EADDRINUSE.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Sequence
from ipaddress import ip_address
from typing import Any

from ..stack.sockets import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    SO_ERROR,
    SO_REUSEADDR,
    SO_REUSEPORT,
    SOL_SOCKET,
)
from .base import Io
from .nc_names import (
    AddrInfo,
    BadNumber,
    GaiError,
    PortError,
    build_ports,
    getaddrinfo,
    getnameinfo,
    numeric_host,
    strtonum,
)
from .nc_options import HELP, INT_MAX, NOT_SIMULATED, USAGE, Options, getopt
from .nc_session import QuitTimer, readwrite, udptest
from .net_context import process, socket_api
from .system import NotSimulated, System


class NcExit(Exception):
    """netcat's ``exit()``/``err()``: the status, after what it printed."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Netcat:
    def __init__(self, argv: Sequence[str], io: Io, system: System) -> None:
        self.argv = argv
        self.io = io
        self.system = system
        self.name = os.path.basename(argv[0]) if argv else "nc"
        self.opts = Options()
        self.keep = False
        self._stdin = io.stdin.encode("utf-8", "surrogateescape")
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._api: Any = None
        self._sockets: list[Any] = []

    # -- what the session module uses --------------------------------------------------

    @property
    def api(self) -> Any:
        if self._api is None:
            self._api = socket_api(self.system)
        return self._api

    @property
    def poll_timeout(self) -> float | None:
        return None if self.opts.timeout is None else float(self.opts.timeout)

    def socket(self, family: int) -> Any:
        sock = self.api.socket(family, self.opts.socktype)
        self._sockets.append(sock)
        return sock

    def take_stdin(self) -> bytes:
        data, self._stdin = self._stdin, b""
        return data

    def output(self, data: bytes) -> None:
        self.io.out(self._decoder.decode(data))

    def sleep(self, seconds: float) -> None:
        process(self.system).sleep(seconds)

    # -- err(3) and friends --------------------------------------------------------------

    def warnx(self, text: str) -> None:
        self.io.err(f"{self.name}: {text}\n")

    def warn(self, text: str, code: int | None) -> None:
        self.warnx(f"{text}: {os.strerror(code or 0)}" if text else os.strerror(code or 0))

    def errx(self, text: str) -> NcExit:
        self.warnx(text)
        return NcExit(1)

    def usage(self) -> NcExit:
        self.io.err(USAGE)
        return NcExit(1)

    # -- the command line ------------------------------------------------------------------

    def parse(self) -> tuple[str | None, list[str]]:
        """The options, then the host and the port operands (``main``'s cruft checks)."""
        opts = self.opts
        args: list[str] = []
        for ch, arg in getopt(self.argv, args):
            if ch in "?:":
                what = "invalid option" if ch == "?" else "option requires an argument"
                self.io.err(f"{self.argv[0]}: {what} -- '{arg}'\n")
                raise self.usage()
            self._option(ch, arg)
        host: str | None = None
        ports: list[str] = []
        if not args and opts.listen:
            host = opts.source
            ports = [opts.local_port] if opts.local_port is not None else []
        elif len(args) == 1 and opts.local_port is None and opts.source is None:
            if opts.listen:
                ports = args
        elif len(args) >= 2:
            if opts.listen and (
                opts.local_port is not None or opts.source is not None or len(args) > 2
            ):
                raise self.usage()
            host, ports = args[0], args[1:]
        else:
            raise self.usage()
        if not ports:
            raise self.errx("missing port number")
        if opts.listen and opts.zero_io:
            raise self.errx("cannot use -z and -l")
        if not opts.listen and opts.keep:
            raise self.errx("must use -l with -k")
        return host, ports

    def _option(self, ch: str, arg: str | None) -> None:
        opts = self.opts
        flags = {"k": "keep", "l": "listen", "N": "shutdown", "n": "numeric", "u": "udp"}
        flags.update({"v": "verbose", "z": "zero_io", "d": "detach"})
        if ch in flags:
            setattr(opts, flags[ch], True)
        elif ch in "46":
            opts.family = AF_INET if ch == "4" else AF_INET6
        elif ch == "h":
            self.io.err(HELP)
            raise NcExit(0)
        elif ch == "s":
            opts.source = arg
        elif ch == "p":
            opts.local_port = arg
        elif ch == "w":
            opts.timeout = self._number(arg or "", 0, INT_MAX // 1000, "timeout")
        elif ch == "q":
            opts.quit = self._number(arg or "", -(2**31), INT_MAX, "quit timer")
            if opts.quit >= 0:
                opts.shutdown = True
        elif ch == "V":
            raise self.errx("no alternate routing table support available")
        else:
            assert ch in NOT_SIMULATED
            raise NotSimulated(f"nc -{ch}")

    def _number(self, text: str, low: int, high: int, what: str) -> int:
        try:
            return strtonum(text, low, high)
        except BadNumber as bad:
            raise self.errx(f"{what} {bad.errstr}: {text}") from None

    # -- running ----------------------------------------------------------------------------

    def run(self) -> int:
        try:
            host, ports = self.parse()
            self.keep = self.opts.keep
            if self.opts.listen:
                return self.serve(host, ports[0])
            return self.connect_all(host or "", ports)
        except NcExit as done:
            return done.status
        except QuitTimer:
            return 0
        finally:
            for sock in self._sockets:  # exit() closes what is still open
                sock.close()

    def _getaddrinfo(self, host: str | None, port: str | None, passive: bool) -> list[AddrInfo]:
        opts = self.opts
        return getaddrinfo(self.system, host, port, opts.family, opts.proto, opts.numeric, passive)

    # -- the client ------------------------------------------------------------------------

    def connect_all(self, host: str, operands: list[str]) -> int:
        opts = self.opts
        try:
            ports = build_ports(self.system, operands, opts.proto)
        except PortError as bad:
            raise self.errx(str(bad)) from None
        status = 1
        sock: Any = None
        for port in ports:
            if sock is not None:
                sock.close()
            sock, ipaddr = self.remote_connect(host, str(port))
            if sock is None:
                continue
            status = 0
            if opts.verbose:
                if opts.udp and not udptest(self, sock):
                    status = 1
                    continue
                service = None if opts.numeric else self.system.names.service_name(port, opts.proto)
                shown = f" ({ipaddr})" if not opts.numeric and host != ipaddr else ""
                self.io.err(
                    f"Connection to {host}{shown} {port} port [{opts.proto}/{service or '*'}]"
                    " succeeded!\n"
                )
            if not opts.zero_io:
                readwrite(self, sock)
        if sock is not None:
            sock.close()
        return status

    def remote_connect(self, host: str, port: str) -> tuple[Any, str]:
        """The first address of ``host`` that accepts the connection, or None."""
        opts = self.opts
        try:
            addresses = self._getaddrinfo(host, port, passive=False)
        except GaiError as gai:
            raise self.errx(f'getaddrinfo for host "{host}" port {port}: {gai}') from None
        ipaddr = ""
        for info in addresses:
            sock = self.socket(info.family)
            if opts.source is not None or opts.local_port is not None:
                self._bind_local(sock, info.family)
            ipaddr = numeric_host(info.address)
            timed_out, code = self._connect(sock, info)
            if code == 0:
                return sock, ipaddr
            if opts.verbose:
                how = "timed out" if timed_out else "failed"
                shown = host if opts.numeric or host == ipaddr else f"{host} ({ipaddr})"
                self.warn(f"connect to {shown} port {port} ({opts.proto}) {how}", code)
            sock.close()
        return None, ipaddr

    def _bind_local(self, sock: Any, family: int) -> None:
        opts = self.opts
        try:
            local = getaddrinfo(
                self.system, opts.source, opts.local_port, family, opts.proto, opts.numeric, True
            )
        except GaiError as gai:
            raise self.errx(f"getaddrinfo: {gai}") from None
        try:
            sock.bind(local[0].sockaddr)
        except OSError as exc:
            self.warn("bind failed", exc.errno)
            raise NcExit(1) from None

    def _connect(self, sock: Any, info: AddrInfo) -> tuple[bool, int]:
        """``connect_with_timeout``: (timed out, errno); a timeout leaves EINPROGRESS."""
        sock.setblocking(False)
        try:
            sock.connect(info.sockaddr)
        except BlockingIOError as pending:
            limit = self.opts.timeout or None  # -w 0 waits as long as it takes
            _, ready, _ = self.api.select([], [sock], [], limit)
            if not ready:
                return True, pending.errno or 0
            return False, int(sock.getsockopt(SOL_SOCKET, SO_ERROR))
        except OSError as exc:
            return False, exc.errno or 0
        return False, 0

    # -- the server ------------------------------------------------------------------------

    def serve(self, host: str | None, port: str) -> int:
        opts = self.opts
        listener = self.local_listen(host, port)
        while True:
            if opts.udp and self.keep:
                readwrite(self, listener)  # datagrams from anyone, unconnected
            elif opts.udp:
                data, peer = listener.recvfrom(65536)  # netcat peeks at the first datagram
                listener.connect(peer)
                if opts.verbose:
                    self.report("Connection received", peer)
                readwrite(self, listener, data)
            else:
                conn, peer = listener.accept()
                if opts.verbose:
                    self.report("Connection received", peer)
                readwrite(self, conn)
                conn.close()
            if not self.keep:
                listener.close()
                return 0

    def local_listen(self, host: str | None, port: str) -> Any:
        opts = self.opts
        family = AF_INET if host is None and opts.family == AF_UNSPEC else opts.family
        try:
            addresses = getaddrinfo(
                self.system, host, port, family, opts.proto, opts.numeric, passive=True
            )
        except GaiError as gai:
            raise self.errx(f"getaddrinfo: {gai}") from None
        code = 0
        for info in addresses:
            sock = self.socket(info.family)
            sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
            sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1)
            try:
                sock.bind(info.sockaddr)
            except OSError as exc:
                code = exc.errno or 0
                sock.close()
                continue
            if not opts.udp:
                sock.listen(1)
            if opts.verbose:
                self.report("Bound" if opts.udp else "Listening", sock.getsockname())
            return sock
        self.warn("", code)  # err(1, NULL)
        raise NcExit(1)

    def report(self, what: str, address: tuple[Any, ...]) -> None:
        """``report_sock``: ``WHAT on HOST PORT``, the host named unless ``-n``."""
        try:
            shown = getnameinfo(self.system, ip_address(address[0]), self.opts.numeric)
        except GaiError as gai:
            self.warnx(f"getnameinfo: {gai}")
            return
        self.io.err(f"{what} on {shown} {address[1]}\n")


def nc_main(argv: Sequence[str], io: Io, system: System) -> int:
    io.flush()
    io.buffered = False  # netcat writes with write(2)
    return Netcat(argv, io, system).run()
