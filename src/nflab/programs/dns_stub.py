"""The DNS queries glibc's stub resolver sends before a lookup fails.

A lab machine has no DNS server: ``/etc/resolv.conf`` names 127.0.0.1 (the
kernel runner writes it so, and it is glibc's default without the file),
where nothing listens. Yet a name that ``/etc/hosts`` does not know, or an
address it has no name for (``iptables -L`` without ``-n``), still makes
glibc (2.36, ``res_send``) send its queries, and those are packets like any
other: they cross OUTPUT and INPUT on ``lo``, are counted, logged and
tracked, and when a firewall drops them the lookup waits:

- per attempt (``attempts:2``), one UDP socket connected to the server sends
  the questions (``A`` and ``AAAA`` together for ``getaddrinfo``, ``PTR`` for
  ``gethostbyaddr``), each with its own random id, the same in both attempts;
- the ICMP port unreachable that comes back (ECONNREFUSED) closes the socket
  at once, and the next attempt opens another (another source port);
- no answer within ``timeout:5`` seconds: the next attempt uses the same socket.

Any datagram that comes back is not an answer (nflab has no DNS server) and
is ignored, as glibc ignores a reply it cannot use.
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Address
from typing import Any

from ..lab.files import FsError
from ..stack.ports import IPAddress
from ..stack.sockets import SocketApi
from .net_context import await_refusal, socket_api
from .system import System

QTYPE_A, QTYPE_PTR, QTYPE_AAAA = 1, 12, 28
RES_TIMEOUT = 5.0  # RES_TIMEOUT: seconds per attempt
RES_ATTEMPTS = 2  # RES_DFLRETRY
DEFAULT_SERVER = IPv4Address("127.0.0.1")  # glibc's server without a nameserver line


def ptr_name(addr: IPv4Address) -> str:
    """``3.2.1.10.in-addr.arpa`` for 10.1.2.3."""
    return ".".join(reversed(str(addr).split("."))) + ".in-addr.arpa"


def query(qid: int, name: str, qtype: int) -> bytes:
    """A standard query with recursion desired (``res_nmkquery``), no EDNS record."""
    header = qid.to_bytes(2, "big") + b"\x01\x00" + b"\x00\x01" + bytes(6)
    labels = b"".join(len(part).to_bytes(1, "big") + part.encode() for part in name.split(".") if part)
    return header + labels + b"\x00" + qtype.to_bytes(2, "big") + b"\x00\x01"


def nameserver(system: System) -> IPv4Address | None:
    """The first ``nameserver`` of ``/etc/resolv.conf`` (IPv4; None: nflab cannot ask it)."""
    try:
        text = system.fs.read("/etc/resolv.conf")
    except FsError:
        return DEFAULT_SERVER
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "nameserver":
            try:
                return IPv4Address(words[1])
            except ValueError:
                return None
    return DEFAULT_SERVER


def ask(system: System, name: str, qtypes: tuple[int, ...]) -> None:
    """Send the questions about ``name`` as ``res_send`` does, until both attempts failed.
    Outside a lab machine's process (no network stack) nothing is sent."""
    if not hasattr(system, "ns") or getattr(system, "process", None) is None:
        return
    server = nameserver(system)
    if server is None:
        return
    net = socket_api(system)
    rng = system.ns.transport.rng
    questions = [query(rng.getrandbits(16), name, qtype) for qtype in qtypes]
    sock: Any = None
    try:
        for _ in range(RES_ATTEMPTS):
            if sock is None:
                sock = net.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    sock.connect((str(server), 53))
                except OSError:  # no route (lo down): the attempt fails at once
                    sock.close()
                    sock = None
                    continue
            if _send_all(sock, questions, net) or _refused(sock, net.now + RES_TIMEOUT, net):
                sock.close()
                sock = None
    finally:
        if sock is not None:
            sock.close()


def _send_all(sock: Any, questions: list[bytes], net: SocketApi) -> bool:
    """Send the questions; True when the server refused every one. A refusal comes back
    before the next question leaves (:func:`await_refusal`): glibc reads the error and
    sends the next question on the same socket."""
    refused = True
    for question in questions:
        try:
            sock.send(question)
        except OSError:
            return True
        await_refusal(net, sock)
        sock.settimeout(0.0)
        try:
            sock.recv(4096)
            refused = False
        except ConnectionRefusedError:
            pass
        except (BlockingIOError, TimeoutError):
            refused = False
    return refused


def _refused(sock: Any, deadline: float, net: SocketApi) -> bool:
    """Wait for an answer until ``deadline``: True when the server refused (ICMP error)."""
    while True:
        left = deadline - net.now
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            sock.recv(4096)
        except TimeoutError:
            return False
        except OSError:  # ECONNREFUSED, or another error the ICMP answer set
            return True


def ask_address(system: System, addr: IPAddress) -> None:
    """``gethostbyaddr`` of an address ``/etc/hosts`` does not name."""
    if isinstance(addr, IPv4Address):
        ask(system, ptr_name(addr), (QTYPE_PTR,))


def ask_name(system: System, name: str, family: int = socket.AF_UNSPEC) -> None:
    """``getaddrinfo`` of a name ``/etc/hosts`` does not know."""
    qtypes: tuple[int, ...] = (QTYPE_A, QTYPE_AAAA)
    if family == socket.AF_INET:
        qtypes = (QTYPE_A,)
    elif family == socket.AF_INET6:
        qtypes = (QTYPE_AAAA,)
    ask(system, name, qtypes)
