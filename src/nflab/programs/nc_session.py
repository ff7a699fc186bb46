"""netcat's data phase (``readwrite``) and its UDP probe (``udptest``).

``readwrite`` copies standard input to the socket and the socket to standard
output until both inputs are gone. Standard input of a simulated program is
all there from the start (a pipe whose writer has finished, or /dev/null),
so it is sent first, then end of file: ``-N`` shuts the socket's write side
down, otherwise nc just stops sending and waits for the peer. End of file
from the peer ends the session; an error on the socket (a reset, an ICMP
error for UDP: ``POLLERR``) ends it silently; ``-w`` bounds the time
without any event. ``-q SECS`` (Debian's quit timer) makes ``-N`` implicit,
ends a listener's or a UDP session's reading at end of input and, once the
session is over, waits SECS seconds then exits with status 0.
"""

from __future__ import annotations

import contextlib
import errno
from typing import TYPE_CHECKING, Any

from ..stack.sockets import SHUT_RD, SHUT_WR
from .net_context import await_refusal

if TYPE_CHECKING:
    from .nc import Netcat

BUFSIZE = 16384  # netcat's buffers (one read or one datagram at most)
UDP_SCAN_TIMEOUT = 3  # seconds udptest waits without -w


class QuitTimer(Exception):
    """``-q`` expired: netcat's SIGALRM handler exits with status 0."""


def _shutdown(sock: Any, how: int) -> None:
    with contextlib.suppress(OSError):  # netcat ignores shutdown()'s result
        sock.shutdown(how)


def readwrite(nc: Netcat, sock: Any, first: bytes = b"") -> None:
    """Copy until done; ``first`` is data already taken from the socket (a UDP listener's
    first datagram, which netcat only peeked at). One pass of the loop is one poll()."""
    opts = nc.opts
    stdin_open = not opts.detach  # -d: stdin is never polled
    stdin = b""
    net_in = net_out = True
    sock.setblocking(False)
    if first:
        nc.output(first)
    while True:
        if not stdin_open and not stdin and not net_in:  # both inputs gone
            return _finish(nc, sock)
        timeout = nc.poll_timeout
        if stdin_open:  # readable at once: a pipe written in full, then its end of file
            data = nc.take_stdin()
            stdin += data
            stdin_open = bool(data)
            timeout = 0.0
        want_read = [sock] if net_in else []
        want_write = [sock] if net_out and stdin else []
        readable, writable, _ = nc.api.select(want_read, want_write, [], timeout)
        if not readable and not writable and timeout != 0.0:
            return None  # -w: nothing happened for that long
        if writable:
            try:
                stdin = stdin[sock.send(stdin[:BUFSIZE]) :]
            except BlockingIOError:
                pass
            except OSError:  # EPIPE, EDESTADDRREQ (an unconnected UDP listener)...
                net_out, stdin_open, stdin = False, False, b""
        if readable:
            received: bytes | None = None
            try:
                received = sock.recv(BUFSIZE)
            except BlockingIOError:
                pass
            except OSError:  # POLLERR: both directions of the socket are gone
                return _finish(nc, sock)
            if received:
                nc.output(received)
            elif received is not None:  # end of file
                _shutdown(sock, SHUT_RD)
                net_in = False
        if not stdin_open and not stdin:  # stdin gone and its queue empty
            if net_out and opts.shutdown:
                _shutdown(sock, SHUT_WR)
            net_out = False
            if (opts.listen or opts.udp) and net_in and opts.quit >= 0:  # Debian #817050
                _shutdown(sock, SHUT_RD)
                net_in = False
                nc.keep = False


def _finish(nc: Netcat, sock: Any) -> None:
    """The end of a session; with ``-q SECS`` (> 0) the socket closes, and netcat exits
    SECS seconds later unless ``-w`` ends its last poll() first."""
    quit_after = nc.opts.quit
    if quit_after <= 0:
        return None
    sock.close()
    idle = nc.poll_timeout
    if idle is not None and idle < quit_after:
        nc.sleep(idle)
        return None
    nc.sleep(quit_after)
    raise QuitTimer()


def udptest(nc: Netcat, sock: Any) -> bool:
    """A few one-byte datagrams: False once one is refused (an ICMP port unreachable)."""
    try:
        sock.send(b"X")
    except OSError:
        return False
    await_refusal(nc.api, sock)  # a refusal is there for the second write to report
    if not _probe(sock):
        return False
    seconds = UDP_SCAN_TIMEOUT if nc.opts.timeout is None else nc.opts.timeout
    for _ in range(seconds):
        nc.sleep(1)
        if not _probe(sock):
            return False
    return True


def _probe(sock: Any) -> bool:
    try:
        sock.send(b"X")
    except OSError as exc:
        return exc.errno != errno.ECONNREFUSED
    return True
