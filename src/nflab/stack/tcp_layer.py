"""The TCP layer of one namespace: bound ports, listeners, connections, demultiplexing.

``input`` is ``tcp_v4_rcv``: a segment goes to its connection (the 4-tuple),
else to the best listener (exact address before wildcard, a device-bound
socket before an unbound one, IPv4 before dual-stack IPv6), else it is
answered with a RST (``tcp_v4_send_reset``) unless it is one itself.
"""

from __future__ import annotations

import errno
import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..packet.headers import TCP
from .errors import os_error
from .ports import IPAddress, PortTable, address_covers
from .tcp import Segment, TcpConnection, TcpState
from .tcp_types import ACK, RST, SYN

if TYPE_CHECKING:
    from .transport import Transport


_SECRET = b"nflab-net-secret"  # the kernel draws its ``net_secret`` at boot


def _keyed_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2s(text.encode(), key=_SECRET, digest_size=4).digest(), "big")


@dataclass(eq=False)
class Binding:
    """A socket that called bind() (or was auto-bound) but neither listens nor connected."""

    bound_addr: IPAddress
    bound_port: int
    reuse: bool = False
    device: str = ""
    v6only: bool = False

    @property
    def listening(self) -> bool:
        return False


@dataclass(eq=False)
class TcpListener:
    """A listening socket: the SYN queue (``pending``) and the accept queue."""

    layer: TcpLayer
    bound_addr: IPAddress
    bound_port: int
    backlog: int
    reuse: bool = False
    device: str = ""
    v6only: bool = False
    owner: Any = None
    tos: int = 0
    ttl: int | None = None
    queue: deque[TcpConnection] = field(default_factory=deque)
    pending: set[TcpConnection] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.changed = self.layer.signal()

    @property
    def listening(self) -> bool:
        return True

    def full(self) -> bool:
        """``sk_acceptq_is_full``: more than ``backlog`` connections wait for accept()."""
        return len(self.queue) > self.backlog

    def input(self, seg: Segment) -> None:
        """``tcp_v4_conn_request``; a SYN finding the accept queue full is dropped."""
        flags = seg.tcp.flags
        if flags & RST:
            return
        if flags & ACK:
            return self.layer.send_reset(seg)
        if not flags & SYN or self.full():
            return
        child = self.layer.new_connection(
            seg.dst,
            self.bound_port,
            seg.src,
            seg.tcp.sport,
            reuse=self.reuse,
            device=self.device,
            v6only=self.v6only,
            owner=self.owner,
            parent=self,
            tos=self.tos,
            ttl=self.ttl,
        )
        self.pending.add(child)
        child.accept_syn(seg)

    def established(self, child: TcpConnection) -> bool:
        if self.full():
            return False
        self.pending.discard(child)
        self.queue.append(child)
        self.changed.notify()
        return True

    def accept(self) -> TcpConnection | None:
        if not self.queue:
            return None
        child = self.queue.popleft()
        child.parent = None
        return child

    def close(self) -> None:
        """``inet_csk_listen_stop``: queued connections are reset, requests forgotten."""
        self.layer.unlisten(self)
        while self.queue:
            self.queue.popleft().abort()
        for child in list(self.pending):
            child.done()
        self.changed.notify()


class TcpLayer:
    def __init__(self, transport: Transport) -> None:
        self.t = transport
        self.ports = PortTable(stream=True)
        self.conns: dict[tuple[IPAddress, int, IPAddress, int], TcpConnection] = {}
        self.listeners: list[TcpListener] = []

    # -- services for connections (tcp.TcpHost) --------------------------------------------

    def now(self) -> float:
        return self.t.now()

    def rng_bits(self, bits: int) -> int:
        return self.t.rng.getrandbits(bits)

    def secure_seq(self, local: IPAddress, remote: IPAddress, lport: int, rport: int) -> int:
        """``secure_tcp_seq``: a keyed hash of the 4-tuple plus the clock in 64 ns steps, so
        a new connection of the same 4-tuple starts beyond the old one (TIME_WAIT lets it in)."""
        clock = int(self.now() * 1_000_000_000) >> 6
        return (_keyed_hash(f"{local} {remote} {lport} {rport}") + clock) & 0xFFFFFFFF

    def secure_ts_off(self, local: IPAddress, remote: IPAddress) -> int:
        """``secure_tcp_ts_off``: one timestamp offset per address pair, so the timestamps of
        successive connections between two hosts keep growing (PAWS, TIME_WAIT reuse)."""
        return _keyed_hash(f"{local} {remote}")

    def timer(self, delay: float, action: Callable[[], None]) -> Any:
        return self.t.timer(delay, action)

    def signal(self) -> Any:
        return self.t.signal()

    def sysctl(self, name: str, default: int = 0, index: int = 0) -> int:
        return self.t.sysctl(name, default, index)

    def output(self, conn: TcpConnection, tcp: TCP, payload: bytes, ident: int) -> bool:
        confirm, conn.dst_pending_confirm = conn.dst_pending_confirm, False
        return self.t.output_tcp(
            conn.local_addr, conn.remote_addr, tcp, payload, ident, conn.owner, conn.tos, conn.ttl,
            conn.device, confirm,
        )

    def send_reset(self, seg: Segment) -> None:
        self.t.send_tcp_reset(seg)

    def release(self, conn: TcpConnection) -> None:
        if self.conns.get(conn.key) is conn:
            del self.conns[conn.key]
        self.ports.remove(conn)
        if conn.parent is not None:
            conn.parent.pending.discard(conn)

    def established(self, conn: TcpConnection) -> bool:
        parent = conn.parent
        return parent.established(conn) if parent is not None else True

    # -- what sockets ask ----------------------------------------------------------------

    def bind(self, addr: IPAddress, port: int, reuse: bool, device: str, v6only: bool) -> Binding:
        if port == 0:
            # ``inet_csk_find_open_port``: odd ports first, keeping even ones for connect()
            found = self.ports.ephemeral(self.t.rng, self.t.port_range(), 1)
            if found is None:
                raise os_error(errno.EADDRINUSE)
            port = found
        elif self.ports.conflicts(addr, port, reuse, device, v6only):
            raise os_error(errno.EADDRINUSE)
        binding = Binding(addr, port, reuse, device, v6only)
        self.ports.add(binding)
        return binding

    def unbind(self, binding: Binding) -> None:
        self.ports.remove(binding)

    def listen(self, binding: Binding, backlog: int, owner: Any) -> TcpListener:
        listener = TcpListener(
            self,
            binding.bound_addr,
            binding.bound_port,
            backlog,
            binding.reuse,
            binding.device,
            binding.v6only,
            owner,
        )
        self.ports.remove(binding)
        self.ports.add(listener)
        self.listeners.append(listener)
        return listener

    def unlisten(self, listener: TcpListener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)
        self.ports.remove(listener)

    def connect(
        self,
        binding: Binding | None,
        local: IPAddress,
        remote: IPAddress,
        rport: int,
        *,
        reuse: bool,
        device: str,
        v6only: bool,
        owner: Any,
        tos: int = 0,
        ttl: int | None = None,
    ) -> TcpConnection:
        """``tcp_v4_connect``: an ephemeral even port unless bound, then the SYN."""
        if binding is not None:
            lport = binding.bound_port
            if (local, lport, remote, rport) in self.conns:
                raise os_error(errno.EADDRNOTAVAIL)
        else:
            found = self.ports.ephemeral(self.t.rng, self.t.port_range(), 0)
            if found is None:
                raise os_error(errno.EADDRNOTAVAIL)
            lport = found
        conn = self.new_connection(
            local,
            lport,
            remote,
            rport,
            reuse=reuse,
            device=device,
            v6only=v6only,
            owner=owner,
            tos=tos,
            ttl=ttl,
        )
        if binding is not None:
            self.ports.remove(binding)
        conn.connect()
        return conn

    def new_connection(
        self, local: IPAddress, lport: int, remote: IPAddress, rport: int, **kw: Any
    ) -> TcpConnection:
        conn = TcpConnection(self, local, lport, remote, rport, mtu=self.t.path_mtu(remote), **kw)
        self.conns[conn.key] = conn
        self.ports.add(conn)
        return conn

    # -- input ---------------------------------------------------------------------------

    def input(self, seg: Segment) -> None:
        th = seg.tcp
        conn = self.conns.get((seg.dst, th.dport, seg.src, th.sport))
        if conn is not None and conn.device and conn.device != seg.dev:
            conn = None
        if (
            conn is not None
            and conn.state is TcpState.TIME_WAIT
            and conn.timewait_accepts_syn(seg)
            and self.listener_for(seg) is not None
        ):
            conn.done()  # ``TCP_TW_SYN``: the listener takes the new connection
            conn = None
        if conn is not None:
            return conn.input(seg)
        listener = self.listener_for(seg)
        if listener is not None:
            return listener.input(seg)
        if not th.flags & RST:
            self.send_reset(seg)
        return None

    def listener_for(self, seg: Segment) -> TcpListener | None:
        best: TcpListener | None = None
        best_score = (-1, -1, -1)
        for lst in self.listeners:
            if lst.bound_port != seg.tcp.dport or not address_covers(
                lst.bound_addr, lst.v6only, seg.dst
            ):
                continue
            if lst.device and lst.device != seg.dev:
                continue
            score = (
                int(lst.bound_addr == seg.dst),
                int(bool(lst.device)),
                int(lst.bound_addr.version == 4),
            )
            if score > best_score:
                best, best_score = lst, score
        return best
