"""``python3`` as far as the labs use it: ``python3 -m http.server [PORT] [--bind ADDR]
[--directory DIR]`` (Debian 12's Python 3.11.2), and ``python3 --version``.

What the real one does, checked in network namespaces:

- without ``--bind`` it listens on ``0.0.0.0`` only: ``getaddrinfo(None, port,
  AI_PASSIVE)`` answers IPv4 first, so clients are logged with their plain
  IPv4 address; ``--bind ::`` gives a dual-stack socket whose IPv4 clients
  are logged as ``::ffff:a.b.c.d``; ``--bind localhost`` takes ``::1``;
- ``Serving HTTP on 0.0.0.0 port 80 (http://0.0.0.0:80/) ...`` goes to
  stdout, which Python buffers when it is not a terminal: a server stopped
  by a signal (how the labs end it) never writes it, ``python3 -u`` does;
- the access log goes to stderr, one line per answer, as it happens;
- a failing bind or name lookup ends with Python's traceback, status 1.

Each connection is served by its own simulated process, as
``ThreadingHTTPServer`` gives each its own thread.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ..lab.scheduler import ProcessKilled
from ..stack.sockets import (
    AF_INET,
    AF_INET6,
    IPPROTO_IPV6,
    IPV6_V6ONLY,
    SHUT_WR,
    SO_REUSEADDR,
    SOCK_STREAM,
    SOL_SOCKET,
)
from ..stack.tcp_socket import TcpSocket
from .base import Io
from .http_handler import Connection, Handler
from .net_context import socket_api, wall_clock
from .resolver import EAI_AGAIN_TEXT, lookup
from .system import NotSimulated, System

VERSION = "Python 3.11.2\n"
REQUEST_QUEUE_SIZE = 5  # socketserver.TCPServer.request_queue_size

_RUNPY = (
    "Traceback (most recent call last):\n"
    '  File "<frozen runpy>", line 198, in _run_module_as_main\n'
    '  File "<frozen runpy>", line 88, in _run_code\n'
    '  File "/usr/lib/python3.11/http/server.py", line 1309, in <module>\n'
    "    test(\n"
)
BIND_TRACEBACK = _RUNPY + (
    '  File "/usr/lib/python3.11/http/server.py", line 1256, in test\n'
    "    with ServerClass(addr, HandlerClass) as httpd:\n"
    "         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/usr/lib/python3.11/socketserver.py", line 456, in __init__\n'
    "    self.server_bind()\n"
    '  File "/usr/lib/python3.11/http/server.py", line 1303, in server_bind\n'
    "    return super().server_bind()\n"
    "           ^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/usr/lib/python3.11/http/server.py", line 136, in server_bind\n'
    "    socketserver.TCPServer.server_bind(self)\n"
    '  File "/usr/lib/python3.11/socketserver.py", line 472, in server_bind\n'
    "    self.socket.bind(self.server_address)\n"
)
GAI_TRACEBACK = _RUNPY + (
    '  File "/usr/lib/python3.11/http/server.py", line 1254, in test\n'
    "    ServerClass.address_family, addr = _get_best_family(bind, port)\n"
    "                                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/usr/lib/python3.11/http/server.py", line 1237, in _get_best_family\n'
    "    infos = socket.getaddrinfo(\n"
    "            ^^^^^^^^^^^^^^^^^^^\n"
    '  File "/usr/lib/python3.11/socket.py", line 962, in getaddrinfo\n'
    "    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):\n"
    "               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
)


class _Exit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _ArgumentParser(argparse.ArgumentParser):
    """argparse writing to the program's streams and returning instead of exiting."""

    def __init__(self, io: Io) -> None:
        # the width argparse takes from a pipe (no terminal: 80 columns, minus 2)
        super().__init__(
            prog="server.py", formatter_class=lambda prog: argparse.HelpFormatter(prog, width=78)
        )
        self.io = io

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.io.err if file is sys.stderr else self.io.out)(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:  # noqa: A003
        if message:
            self.io.err(message)
        raise _Exit(status)


def python3_main(argv: Sequence[str], io: Io, system: System) -> int:
    args = list(argv[1:])
    unbuffered = False
    while args and args[0].startswith("-") and args[0] != "-":
        opt = args.pop(0)
        if opt in ("-V", "--version"):
            io.out(VERSION)
            return 0
        if opt == "-m" or opt.startswith("-m"):
            module = opt[2:] or (args.pop(0) if args else "")
            if module == "http.server":
                return http_server_main(args, io, system, unbuffered)
            raise NotSimulated(f"python3 -m {module}")
        if opt == "-u":
            unbuffered = True
        elif opt not in ("-B", "-E", "-s", "-S", "-I", "-q"):
            raise NotSimulated(f"the python3 option {opt}")
    raise NotSimulated("running python3 without -m http.server")


def _parser(io: Io, cwd: str) -> _ArgumentParser:
    """http.server's own command line (Lib/http/server.py, Python 3.11)."""
    parser = _ArgumentParser(io)
    parser.add_argument("--cgi", action="store_true", help="run as CGI server")
    parser.add_argument(
        "-b", "--bind", metavar="ADDRESS",
        help="bind to this address (default: all interfaces)",
    )  # fmt: skip
    parser.add_argument(
        "-d", "--directory", default=cwd,
        help="serve this directory (default: current directory)",
    )  # fmt: skip
    parser.add_argument(
        "-p", "--protocol", metavar="VERSION", default="HTTP/1.0",
        help="conform to this HTTP version (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "port", default=8000, type=int, nargs="?",
        help="bind to this port (default: %(default)s)",
    )  # fmt: skip
    return parser


def http_server_main(args: Sequence[str], io: Io, system: System, unbuffered: bool) -> int:
    try:
        opts = _parser(io, system.cwd).parse_args(list(args))
    except _Exit as done:
        return done.status
    if opts.cgi:
        raise NotSimulated("http.server --cgi")
    if opts.protocol != "HTTP/1.0":
        raise NotSimulated("http.server --protocol")
    family, host = _best_family(system, opts.bind)
    if family is None:
        io.err(GAI_TRACEBACK + f"socket.gaierror: [Errno -3] {EAI_AGAIN_TEXT}\n")
        return 1
    server = socket_api(system).socket(family, SOCK_STREAM)
    assert isinstance(server, TcpSocket)
    if family == AF_INET6:
        server.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)  # DualStackServer.server_bind
    server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)  # HTTPServer.allow_reuse_address
    try:
        server.bind((host, opts.port))
    except OSError as err:
        io.err(BIND_TRACEBACK + f"OSError: [Errno {err.errno}] {err.strerror}\n")
        return 1
    server.listen(REQUEST_QUEUE_SIZE)
    bound, port = server.getsockname()[:2]
    url_host = f"[{bound}]" if ":" in bound else bound
    line = f"Serving HTTP on {bound} port {port} (http://{url_host}:{port}/) ...\n"
    if unbuffered:
        io.out(line)
        io.flush()
    # else the line stays in Python's stdout buffer, lost when a signal ends the server
    directory = system.fs.resolve(opts.directory, system.cwd)
    try:
        while True:
            conn, client = server.accept()
            _serve(system, io, conn, client[0], directory)
    except ProcessKilled:
        server.close()
        raise


def _best_family(system: System, bind: str | None) -> tuple[int | None, str]:
    """``_get_best_family``: the first ``getaddrinfo(bind, port, AI_PASSIVE)`` answer."""
    if bind is None or bind == "":
        return AF_INET, "0.0.0.0"
    answer = lookup(system, bind)
    if answer is None:
        return None, ""
    first = answer.addresses[0]
    return (AF_INET if first.version == 4 else AF_INET6), str(first)


def _serve(system: System, io: Io, conn: TcpSocket, client: str, directory: str) -> None:
    """One connection in a process of its own (``ThreadingMixIn.process_request``)."""

    def handle(ctx: System) -> int:
        conn.api = socket_api(ctx)  # the socket now blocks the handler's own process
        handler = Handler(
            Connection(conn.recv, conn.sendall), client, directory, ctx.fs, io,
            lambda: wall_clock(ctx),
        )  # fmt: skip
        try:
            handler.handle()
            conn.shutdown(SHUT_WR)  # TCPServer.shutdown_request
        except OSError:
            pass  # a client gone: socketserver's handle_error traceback is not simulated
        finally:
            conn.close()
        return 0

    spawn = getattr(system, "spawn", None)
    if spawn is None:
        handle(system)
    else:
        spawn("python3", handle)
