"""``test-iptables-server [PORT]``: the seed tutorial's C test server, in Python.

It listens on ``INADDR_ANY:PORT`` (1234 by default, backlog 5, no
``SO_REUSEADDR``) and answers every TCP connection with one line, sent in
three ``send()`` calls, then closes it::

    source{ip: A, port: P}; dest{ip: A, port: P}; original dest{ip: A, port: P}

``source`` is what ``accept()`` reports, ``dest`` what ``getsockname()``
does, ``original dest`` what ``getsockopt(SOL_IP, SO_ORIGINAL_DST)`` returns
(a ``struct sockaddr_in``), or ``original dest{strerror: TEXT, errno: N}``
when it fails. A failing ``socket``/``bind``/``listen``/``accept``/
``getsockname`` prints the C program's ``perror`` text (``bind error:
Address already in use``) and exits with status 255 (``exit(-1)``).

:func:`serve` is written against the socket API only, so the same code runs
on a simulated machine (:func:`server_main`, with nflab's
:class:`~nflab.stack.sockets.SocketApi`) and on a real Linux host (the
``test-iptables-server`` console command, :func:`console_main`, with
Python's ``socket`` module). Only the ``[PORT]`` argument is new: the C
program always used 1234; a port that is not a number in 0-65535 prints a
usage line and exits with 255.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address
from typing import Any

from ..stack.sockets import AF_INET, SO_ORIGINAL_DST, SOCK_STREAM, SOL_IP
from .base import Io
from .net_context import socket_api
from .system import System

DEFAULT_PORT = 1234
BACKLOG = 5
SOCKADDR_IN = 16  # sizeof(struct sockaddr_in)
EXIT_FAILURE = 255  # exit(-1)
USAGE = "usage: test-iptables-server [PORT]\n"


class _Failed(Exception):
    """A call the C program checks failed: its ``perror`` text is printed, then exit(-1)."""


def _port(argv: Sequence[str]) -> int | None:
    if len(argv) < 2:
        return DEFAULT_PORT
    text = argv[1]
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        return None
    return int(text)


def original_destination(conn: Any) -> str:
    """The third part of the answer: ``SO_ORIGINAL_DST`` or why it failed."""
    try:
        raw = conn.getsockopt(SOL_IP, SO_ORIGINAL_DST, SOCKADDR_IN)
    except OSError as exc:
        code = exc.errno or 0
        return f"original dest{{strerror: {os.strerror(code)}, errno: {code}}}\n"
    # struct sockaddr_in: family (host order), port and address (network order)
    port = int.from_bytes(raw[2:4], "big")
    return f"original dest{{ip: {IPv4Address(raw[4:8])}, port: {port}}}\n"


def serve(net: Any, argv: Sequence[str], stderr: Callable[[str], None]) -> int:
    """Run the server on ``net`` (anything with ``socket(family, type)`` like Python's
    ``socket`` module); returns only on an error, with the exit status."""
    port = _port(argv)
    if port is None:
        stderr(USAGE)
        return EXIT_FAILURE
    try:
        listener = _checked("socket error", lambda: net.socket(AF_INET, SOCK_STREAM))
        _checked("bind error", lambda: listener.bind(("0.0.0.0", port)))
        _checked("listen error", lambda: listener.listen(BACKLOG))
        while True:
            conn, source = _checked("accept error!", listener.accept)
            dest = _checked("getsockname error", conn.getsockname)
            answer = (
                f"source{{ip: {source[0]}, port: {source[1]}}}; ",
                f"dest{{ip: {dest[0]}, port: {dest[1]}}}; ",
                original_destination(conn),
            )
            for part in answer:
                with contextlib.suppress(OSError):  # the C program ignores send()'s result
                    conn.send(part.encode())
            conn.close()
    except _Failed as failed:
        stderr(f"{failed}\n")
        return EXIT_FAILURE


def _checked(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except OSError as exc:
        raise _Failed(f"{what}: {os.strerror(exc.errno or 0)}") from None


def server_main(argv: Sequence[str], io: Io, system: System) -> int:
    """The program on a simulated machine: its namespace's sockets, its process."""
    return serve(socket_api(system), argv, io.err)


def console_main() -> int:
    """The ``test-iptables-server`` console command: the real kernel's sockets."""
    import socket

    def stderr(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    try:
        return serve(socket, sys.argv, stderr)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(console_main())
