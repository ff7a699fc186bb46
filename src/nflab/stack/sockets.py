"""The blocking socket API simulated programs use, shaped like Python's ``socket`` module.

A program gets a :class:`SocketApi` bound to its namespace's transport and its
own process (``SocketApi(transport, process)``) and calls
``api.socket(AF_INET, SOCK_STREAM)``; the socket's blocking calls block that
process in simulated time (``Process.wait``), honour ``settimeout``
(``TimeoutError("timed out")``) and non-blocking mode (``BlockingIOError``),
and fail with ``OSError(errno, strerror)`` as Linux reports them. Addresses
are ``(host, port)`` tuples with literal addresses (``"localhost"`` and ``""``
are understood; name resolution belongs to the programs), ``(host, port,
flowinfo, scope_id)`` for AF_INET6, where an IPv4 peer of a dual-stack socket
shows as ``::ffff:a.b.c.d``.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import TYPE_CHECKING, Any, Protocol

from ..lab.scheduler import Process, Signal
from .errors import os_error, timed_out, would_block
from .ports import ANY4, ANY6, IPAddress

if TYPE_CHECKING:
    from .transport import Transport

# Linux's values (``<sys/socket.h>``, ``<netinet/in.h>``, ``<linux/netfilter_ipv4.h>``)
AF_UNSPEC, AF_INET, AF_INET6 = 0, 2, 10
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW = 1, 2, 3
IPPROTO_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6 = 0, 1, 6, 17, 41
SOL_IP, SOL_SOCKET, SOL_TCP, SOL_UDP, SOL_RAW = 0, 1, 6, 17, 255
SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_REUSEPORT = 2, 3, 4, 9, 13, 15
SO_SNDBUF, SO_RCVBUF, SO_BINDTODEVICE = 7, 8, 25
IP_TOS, IP_TTL, SO_ORIGINAL_DST = 1, 2, 80
IPV6_V6ONLY = 26
TCP_NODELAY = 1
ICMP_FILTER = 1
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
SOMAXCONN = 4096
# options a program may set that change nothing simulated
_IGNORED = {
    (SOL_SOCKET, SO_KEEPALIVE),
    (SOL_SOCKET, SO_REUSEPORT),
    (SOL_SOCKET, SO_SNDBUF),
    (SOL_SOCKET, SO_RCVBUF),
    (SOL_TCP, TCP_NODELAY),
}


class gaierror(OSError):  # noqa: N801 - the name Python's socket module uses
    """A host name that is not an address (``socket.gaierror``)."""


class Waitable(Protocol):
    """What :meth:`SocketApi.select` waits on: sockets, and any pipe-like object a
    program layer offers with the same three methods."""

    def poll_readable(self) -> bool: ...

    def poll_writable(self) -> bool: ...

    def wait_signals(self) -> list[Signal]: ...


class SocketApi:
    """One process's view of its namespace's sockets."""

    def __init__(self, transport: Transport, process: Process, uid: int = 0, gid: int = 0) -> None:
        self.transport = transport
        self.process = process
        self.owner = (uid, gid)
        self._fds = 3

    @property
    def now(self) -> float:
        return self.transport.now()

    def next_fd(self) -> int:
        fd, self._fds = self._fds, self._fds + 1
        return fd

    def socket(  # the argument names of Python's socket.socket
        self, family: int = AF_INET, type: int = SOCK_STREAM, proto: int = 0  # noqa: A002
    ) -> SocketBase:
        from .dgram_socket import RawSocket, UdpSocket
        from .tcp_socket import TcpSocket

        if family not in (AF_INET, AF_INET6):
            raise os_error(errno.EAFNOSUPPORT)
        if type == SOCK_STREAM and proto in (0, IPPROTO_TCP):
            return TcpSocket(self, family, proto)
        if type == SOCK_DGRAM and proto in (0, IPPROTO_UDP):
            return UdpSocket(self, family, proto)
        if type == SOCK_RAW and family == AF_INET and proto == IPPROTO_ICMP:
            return RawSocket(self, family, proto)
        if type == SOCK_DGRAM and proto == IPPROTO_ICMP:
            # ICMP datagram ("ping") sockets: only for groups in net.ipv4.ping_group_range,
            # empty ("1 0") in a new namespace; not simulated beyond that refusal
            raise os_error(errno.EACCES)
        if type in (SOCK_STREAM, SOCK_DGRAM, SOCK_RAW):
            raise os_error(errno.EPROTONOSUPPORT)
        raise os_error(errno.ESOCKTNOSUPPORT)

    def select(
        self,
        rlist: Sequence[Waitable],
        wlist: Sequence[Waitable],
        xlist: Sequence[Waitable],
        timeout: float | None = None,
    ) -> tuple[list[Waitable], list[Waitable], list[Waitable]]:
        """``select.select``: which objects are ready, waiting up to ``timeout`` seconds."""
        deadline = None if timeout is None else self.now + timeout
        while True:
            ready_r = [w for w in rlist if w.poll_readable()]
            ready_w = [w for w in wlist if w.poll_writable()]
            if ready_r or ready_w:
                return ready_r, ready_w, []
            remaining = None if deadline is None else deadline - self.now
            if remaining is not None and remaining <= 0:
                return [], [], []
            signals = [s for w in (*rlist, *wlist) for s in w.wait_signals()]
            self.process.wait(signals, remaining)


def parse_host(family: int, host: str) -> IPAddress:
    """A literal address (what ``getaddrinfo`` with AI_NUMERICHOST accepts), ``""`` for
    the wildcard, ``localhost``; an IPv4-mapped IPv6 address is the IPv4 address."""
    special: dict[str, IPAddress]
    if family == AF_INET:
        special = {
            "": ANY4,
            "<broadcast>": IPv4Address("255.255.255.255"),
            "localhost": IPv4Address(1 << 24 | 1),
        }
    else:
        special = {"": ANY6, "localhost": IPv6Address(1)}
    if host in special:
        return special[host]
    try:
        addr = ip_address(host)
    except ValueError:
        raise gaierror(-2, "Name or service not known") from None
    if family == AF_INET6 and isinstance(addr, IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if (family == AF_INET) != (addr.version == 4):
        raise gaierror(-9, "Address family for hostname not supported")
    return addr


class SocketBase:
    """What every socket kind shares: timeouts, blocking, addresses, options."""

    def __init__(self, api: SocketApi, family: int, type: int, proto: int) -> None:  # noqa: A002
        self.api = api
        self.family = family
        self.type = type
        self.proto = proto
        self._fd = api.next_fd()
        self._timeout: float | None = None
        self._closed = False
        self.reuse = False
        self.device = ""
        self.v6only = False
        self.ttl: int | None = None
        self.tos = 0

    # -- Python's socket object basics ------------------------------------------------------

    def fileno(self) -> int:
        return -1 if self._closed else self._fd

    def settimeout(self, value: float | None) -> None:
        if value is not None and value < 0:
            raise ValueError("Timeout value out of range")
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None if flag else 0.0

    def getblocking(self) -> bool:
        return self._timeout != 0.0

    def __enter__(self) -> SocketBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()

    def _release(self) -> None:
        """Give the kernel side back (each socket kind)."""

    def _check_open(self) -> None:
        if self._closed:
            raise os_error(errno.EBADF)

    @property
    def any_address(self) -> IPAddress:
        return ANY4 if self.family == AF_INET else ANY6

    # -- blocking --------------------------------------------------------------------------

    def _block(
        self,
        ready: Callable[[], bool],
        signals: Callable[[], list[Signal]],
        timeout_error: Callable[[], OSError] = timed_out,
    ) -> None:
        """Wait until ``ready()``; a timeout or non-blocking mode raises."""
        if ready():
            return
        if self._timeout == 0:
            raise would_block()
        deadline = None if self._timeout is None else self.api.now + self._timeout
        while not ready():
            remaining = None if deadline is None else deadline - self.api.now
            if remaining is not None and remaining <= 0:
                raise timeout_error()
            self.api.process.wait(signals(), remaining)

    # -- addresses -------------------------------------------------------------------------

    def _parse(self, address: Any) -> tuple[IPAddress, int]:
        if not isinstance(address, tuple) or not 2 <= len(address) <= (
            4 if self.family == AF_INET6 else 2
        ):
            raise TypeError(
                f"{'AF_INET6' if self.family == AF_INET6 else 'AF_INET'} address must be a tuple"
            )
        host, port = address[0], address[1]
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise OverflowError("port must be 0-65535.")
        return parse_host(self.family, host), port

    def _format(self, addr: IPAddress, port: int) -> tuple[Any, ...]:
        if self.family == AF_INET:
            return (str(addr), port)
        text = f"::ffff:{addr}" if isinstance(addr, IPv4Address) else str(addr)
        return (text, port, 0, 0)

    def _check_local(self, addr: IPAddress) -> None:
        """``inet_bind``: a local, broadcast or multicast address, or the wildcard."""
        if int(addr) == 0:
            return
        if isinstance(addr, IPv6Address):
            if addr != IPv6Address(1):
                raise os_error(errno.EADDRNOTAVAIL)
            return
        ns = self.api.transport.netns
        if ns.sysctls.get_int("net.ipv4.ip_nonlocal_bind"):
            return
        if ns.address_type(addr) not in ("LOCAL", "BROADCAST", "MULTICAST"):
            raise os_error(errno.EADDRNOTAVAIL)

    # -- options ---------------------------------------------------------------------------

    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        self._check_open()
        if (level, option) == (SOL_SOCKET, SO_REUSEADDR):
            self.reuse = bool(value)
        elif (level, option) == (SOL_SOCKET, SO_BINDTODEVICE):
            name = value.split(b"\0", 1)[0].decode() if isinstance(value, bytes) else str(value)
            if name and name not in self.api.transport.netns.interfaces:
                raise os_error(errno.ENODEV)
            self.device = name
        elif (level, option) == (IPPROTO_IPV6, IPV6_V6ONLY) and self.family == AF_INET6:
            self.v6only = bool(value)
        elif (level, option) == (SOL_IP, IP_TTL):
            ttl = int(value) if isinstance(value, int) else int.from_bytes(value, "little")
            if not -1 <= ttl <= 255 or ttl == 0:
                raise os_error(errno.EINVAL)
            self.ttl = None if ttl == -1 else ttl
        elif (level, option) == (SOL_IP, IP_TOS):
            self.tos = (int(value) if isinstance(value, int) else value[0]) & 0xFF
        elif (level, option) not in _IGNORED:
            raise os_error(errno.ENOPROTOOPT)

    def getsockopt(self, level: int, option: int, buflen: int | None = None) -> int | bytes:
        self._check_open()
        if (level, option) == (SOL_SOCKET, SO_REUSEADDR):
            return int(self.reuse)
        if (level, option) == (SOL_SOCKET, SO_TYPE):
            return self.type
        if (level, option) == (SOL_SOCKET, SO_ERROR):
            return self._take_error()
        if (level, option) == (SOL_SOCKET, SO_BINDTODEVICE):
            return self.device.encode() + b"\0" if buflen else 0
        if (level, option) == (SOL_IP, SO_ORIGINAL_DST):
            raise os_error(errno.ENOPROTOOPT)  # getorigdst answers only for TCP and SCTP
        if (level, option) == (SOL_IP, IP_TTL):
            return self.ttl if self.ttl is not None else self.api.transport.default_ttl()
        raise os_error(errno.ENOPROTOOPT)

    def _take_error(self) -> int:
        return 0

    # -- select() support ------------------------------------------------------------------

    def poll_readable(self) -> bool:
        return True

    def poll_writable(self) -> bool:
        return True

    def wait_signals(self) -> list[Signal]:
        return []
