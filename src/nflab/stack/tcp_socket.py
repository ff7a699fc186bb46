"""``socket(AF_INET[6], SOCK_STREAM)``: the calls of ``inet_stream_ops`` and ``tcp_prot``.

The errors are those of Linux: connect() on a connecting socket EALREADY,
on a connected one EISCONN; recv() on an unconnected one ENOTCONN, send()
EPIPE; a refused connection ECONNREFUSED; a reset one ECONNRESET once, then
end of file; accept() on a socket that does not listen EINVAL.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..lab.scheduler import Signal
from ..netfilter.conntrack import Tuple
from ..packet.headers import IPPROTO_TCP
from .errors import os_error, would_block
from .ports import IPAddress, is_wildcard
from .sockets import (
    AF_INET,
    SHUT_RD,
    SHUT_RDWR,
    SHUT_WR,
    SO_LINGER,
    SO_ORIGINAL_DST,
    SOCK_STREAM,
    SOL_IP,
    SOL_SOCKET,
    SOMAXCONN,
    SocketApi,
    SocketBase,
)
from .tcp import TcpConnection, TcpState
from .tcp_layer import Binding, TcpListener

_CONNECTED = frozenset({TcpState.ESTABLISHED, TcpState.CLOSE_WAIT})
_SOCKADDR_IN = 16


class TcpSocket(SocketBase):
    def __init__(
        self, api: SocketApi, family: int, proto: int = 0, conn: TcpConnection | None = None
    ) -> None:
        super().__init__(api, family, SOCK_STREAM, proto)
        self._binding: Binding | None = None
        self._listener: TcpListener | None = None
        self._conn = conn
        self._linger0 = False
        self._rd_shut = False
        if conn is not None:
            self.reuse, self.device, self.v6only = conn.reuse, conn.device, conn.v6only
            self.tos, self.ttl = conn.tos, conn.ttl

    @property
    def _tcp(self) -> Any:
        return self.api.transport.tcp

    # -- addresses -------------------------------------------------------------------------

    def bind(self, address: Any) -> None:
        self._check_open()
        addr, port = self._parse(address)
        if self._binding is not None or self._listener is not None or self._conn is not None:
            raise os_error(errno.EINVAL)
        self._check_local(addr)
        self._binding = self._tcp.bind(addr, port, self.reuse, self.device, self.v6only)

    def getsockname(self) -> tuple[Any, ...]:
        self._check_open()
        for holder in (self._conn, self._listener, self._binding):
            if holder is not None:
                return self._format(holder.bound_addr, holder.bound_port)
        return self._format(self.any_address, 0)

    def getpeername(self) -> tuple[Any, ...]:
        self._check_open()
        conn = self._conn
        if conn is None or conn.state in (TcpState.CLOSE, TcpState.SYN_SENT):
            raise os_error(errno.ENOTCONN)
        return self._format(conn.remote_addr, conn.remote_port)

    # -- passive open ------------------------------------------------------------------------

    def listen(self, backlog: int | None = None) -> None:
        self._check_open()
        if self._conn is not None:
            raise os_error(errno.EINVAL)
        limit = self.api.transport.sysctl("net.core.somaxconn", SOMAXCONN)
        backlog = min(128 if backlog is None else max(backlog, 0), limit)
        if self._listener is not None:
            self._listener.backlog = backlog
            return
        if self._binding is None:
            self._binding = self._tcp.bind(
                self.any_address, 0, self.reuse, self.device, self.v6only
            )
        self._listener = self._tcp.listen(self._binding, backlog, self.api.owner)
        self._listener.tos, self._listener.ttl = self.tos, self.ttl
        self._binding = None

    def accept(self) -> tuple[TcpSocket, tuple[Any, ...]]:
        self._check_open()
        listener = self._listener
        if listener is None:
            raise os_error(errno.EINVAL)
        self._block(lambda: bool(listener.queue), lambda: [listener.changed])
        child = listener.accept()
        assert child is not None
        sock = TcpSocket(self.api, self.family, self.proto, child)
        return sock, sock._format(child.remote_addr, child.remote_port)

    # -- active open -------------------------------------------------------------------------

    def connect(self, address: Any) -> None:
        self._check_open()
        addr, port = self._parse(address)
        conn = self._conn
        if self._listener is not None:
            raise os_error(errno.EISCONN)
        if conn is not None and conn.state is TcpState.SYN_SENT:
            raise os_error(errno.EALREADY)
        if conn is not None and conn.state is not TcpState.CLOSE:
            raise os_error(errno.EISCONN)
        if self.v6only and addr.version == 4:
            raise os_error(errno.ENETUNREACH)
        if int(addr) == 0:
            addr = type(addr)(1 if addr.version == 6 else 0x7F000001)  # connect to 0.0.0.0 is local
        binding = self._binding
        local: IPAddress | None = binding.bound_addr if binding is not None else None
        if local is None or is_wildcard(local) or local.version != addr.version:
            local = self.api.transport.source_for(addr, self.device)
        if local is None:
            raise os_error(errno.ENETUNREACH)
        self._conn = self._tcp.connect(
            binding,
            local,
            addr,
            port,
            reuse=self.reuse,
            device=self.device,
            v6only=self.v6only,
            owner=self.api.owner,
            tos=self.tos,
            ttl=self.ttl,
        )
        self._conn.blocking_connect = self._timeout is None
        self._binding = None
        self._wait_connected()

    def connect_ex(self, address: Any) -> int:
        try:
            self.connect(address)
        except BlockingIOError as exc:
            return exc.errno or 0
        except TimeoutError:
            return errno.EAGAIN  # what Python's connect_ex answers after its timeout
        except OSError as exc:
            return exc.errno or 0
        return 0

    def _wait_connected(self) -> None:
        conn = self._conn
        assert conn is not None
        if self._timeout == 0 and conn.state is TcpState.SYN_SENT:
            raise would_block(errno.EINPROGRESS)
        self._block(lambda: conn.state is not TcpState.SYN_SENT, lambda: [conn.changed])
        err = conn.take_error()
        if err:
            raise os_error(err)

    # -- data ----------------------------------------------------------------------------

    def send(self, data: bytes, flags: int = 0) -> int:
        """``tcp_sendmsg``: waits for a connection in progress and for send buffer space."""
        self._check_open()
        conn = self._conn
        if conn is None:
            raise os_error(errno.EPIPE)
        if conn.state not in _CONNECTED:
            if conn.err:
                raise os_error(conn.take_error())
            if conn.state is not TcpState.SYN_SENT:
                raise os_error(errno.EPIPE)
            self._block(lambda: conn.state is not TcpState.SYN_SENT, lambda: [conn.changed])
            return self.send(data, flags)
        if conn.err or conn.wr_shut:
            raise os_error(conn.take_error() or errno.EPIPE)
        if not data:
            return 0
        self._block(
            lambda: conn.send_space > 0 or bool(conn.err) or conn.state not in _CONNECTED,
            lambda: [conn.changed],
        )
        if conn.err or conn.state not in _CONNECTED:
            raise os_error(conn.take_error() or errno.EPIPE)
        return conn.write(bytes(data))

    def sendall(self, data: bytes, flags: int = 0) -> None:
        view = memoryview(bytes(data))
        while view:
            sent = self.send(bytes(view), flags)
            view = view[sent:]

    def sendto(self, data: bytes, *args: Any) -> int:
        return self.send(data)  # TCP ignores the address (``tcp_sendmsg``)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """``tcp_recvmsg``: data first, then end of file after a FIN, then a pending error."""
        self._check_open()
        conn = self._conn
        if conn is None:
            raise os_error(errno.ENOTCONN)
        if conn.state is TcpState.SYN_SENT and self._timeout == 0:
            raise would_block()

        def ready() -> bool:
            return (
                bool(conn.rcvbuf)
                or conn.fin_rcvd
                or bool(conn.err)
                or self._rd_shut
                or conn.rd_shut
                or conn.state in (TcpState.CLOSE, TcpState.TIME_WAIT)
            )

        self._block(ready, lambda: [conn.changed])
        if conn.rcvbuf:
            return conn.read(bufsize)
        if conn.fin_rcvd or self._rd_shut:
            return b""
        if conn.err:
            raise os_error(conn.take_error())
        return b""  # shut down for reading: done, reset or closed

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, Any]:
        return self.recv(bufsize, flags), None

    def shutdown(self, how: int) -> None:
        self._check_open()
        if how not in (SHUT_RD, SHUT_WR, SHUT_RDWR):
            raise os_error(errno.EINVAL)
        conn = self._conn
        if self._listener is not None and how != SHUT_WR:
            self._listener.close()
            return
        if conn is None or conn.state in (TcpState.CLOSE, TcpState.SYN_SENT):
            raise os_error(errno.ENOTCONN)
        if how in (SHUT_RD, SHUT_RDWR):
            self._rd_shut = True
            conn.changed.notify()
        if how in (SHUT_WR, SHUT_RDWR):
            conn.shutdown_write()

    def _release(self) -> None:
        if self._listener is not None:
            self._listener.close()
        if self._binding is not None:
            self._tcp.unbind(self._binding)
        if self._conn is not None:
            if self._linger0 and self._conn.state is not TcpState.CLOSE:
                self._conn.abort()
            else:
                self._conn.close()

    # -- options ---------------------------------------------------------------------------

    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        if (level, option) == (SOL_SOCKET, SO_LINGER) and isinstance(value, bytes):
            onoff, seconds = struct.unpack("ii", value[:8])
            self._linger0 = bool(onoff) and seconds == 0
            return
        super().setsockopt(level, option, value)
        for holder in (self._conn, self._listener):
            if holder is not None:
                holder.tos, holder.ttl = self.tos, self.ttl

    def getsockopt(self, level: int, option: int, buflen: int | None = None) -> int | bytes:
        if (level, option) == (SOL_IP, SO_ORIGINAL_DST):
            return self._original_dst(buflen)
        return super().getsockopt(level, option, buflen)

    def _original_dst(self, buflen: int | None) -> bytes:
        """``getorigdst``: the original destination of this socket's tracked connection."""
        self._check_open()
        if buflen is None or buflen < _SOCKADDR_IN:
            raise os_error(errno.EINVAL)
        conn = self._conn
        if conn is None or conn.local_addr.version != 4 or conn.remote_addr.version != 4:
            raise os_error(errno.ENOENT)
        transport = self.api.transport
        tup = Tuple(
            IPPROTO_TCP, conn.local_addr, conn.remote_addr, conn.local_port, conn.remote_port
        )
        hit = transport.netns.conntrack.find(tup, transport.now())
        if hit is None:
            raise os_error(errno.ENOENT)
        orig = hit[0].orig
        return (
            struct.pack("<H", AF_INET) + struct.pack("!H", orig.dport) + orig.dst.packed + bytes(8)
        )

    def _take_error(self) -> int:
        return self._conn.take_error() if self._conn is not None else 0

    # -- select() support ------------------------------------------------------------------

    def poll_readable(self) -> bool:
        if self._listener is not None:
            return bool(self._listener.queue)
        conn = self._conn
        if conn is None:
            return True
        return (
            bool(conn.rcvbuf)
            or conn.fin_rcvd
            or bool(conn.err)
            or self._rd_shut
            or conn.state in (TcpState.CLOSE, TcpState.TIME_WAIT)
        )

    def poll_writable(self) -> bool:
        conn = self._conn
        if conn is None:
            return self._listener is None
        if conn.state in _CONNECTED:
            return conn.send_space > 0
        return conn.state not in (TcpState.SYN_SENT, TcpState.SYN_RECV)

    def wait_signals(self) -> list[Signal]:
        if self._listener is not None:
            return [self._listener.changed]
        return [self._conn.changed] if self._conn is not None else []
