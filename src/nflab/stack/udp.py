"""UDP of one namespace: endpoints, demultiplexing (``__udp4_lib_lookup``), errors.

A datagram goes to the best-scoring socket on its port (a connected socket
matching the sender beats a bound address, which beats a wildcard; IPv4
beats dual-stack IPv6), to every matching socket when it was broadcast, or
is answered with an ICMP port unreachable. ICMP errors reach only connected
sockets, and only the "hard" ones (``__udp4_lib_err``): a later recv() or
send() reports ECONNREFUSED once.
"""

from __future__ import annotations

import errno
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import os_error
from .ports import ANY4, IPAddress, PortTable, address_covers, is_wildcard

if TYPE_CHECKING:
    from .transport import Transport

RECEIVE_BUFFER = 212992  # net.core.rmem_default
MAX_PAYLOAD = 65507  # 65535 - IPv4 header - UDP header


@dataclass(frozen=True, slots=True)
class Datagram:
    src: IPAddress
    dst: IPAddress
    sport: int
    dport: int
    payload: bytes
    dev: str = "lo"
    broadcast: bool = False


@dataclass(eq=False)
class UdpEndpoint:
    """The kernel side of one UDP socket."""

    layer: UdpLayer
    bound_addr: IPAddress = ANY4
    bound_port: int = 0
    reuse: bool = False
    device: str = ""
    v6only: bool = False
    owner: Any = None
    peer: tuple[IPAddress, int] | None = None
    err: int = 0
    rd_shut: bool = False
    queue: deque[tuple[bytes, IPAddress, int]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.changed = self.layer.t.signal()

    @property
    def listening(self) -> bool:
        return False

    @property
    def queued_bytes(self) -> int:
        return sum(len(d) for d, _, _ in self.queue)

    def take_error(self) -> int:
        err, self.err = self.err, 0
        return err

    def score(self, d: Datagram) -> int:
        """``compute_score``: -1 when the socket does not take the datagram."""
        if self.bound_port != d.dport or not address_covers(self.bound_addr, self.v6only, d.dst):
            return -1
        score = 2 if self.bound_addr.version == 4 else 1
        if not is_wildcard(self.bound_addr):
            score += 4
        if self.peer is not None:
            if self.peer != (d.src, d.sport):
                return -1
            score += 8
        if self.device:
            if self.device != d.dev:
                return -1
            score += 4
        return score


class UdpLayer:
    def __init__(self, transport: Transport) -> None:
        self.t = transport
        self.ports = PortTable(stream=False)

    def bind(self, ep: UdpEndpoint, addr: IPAddress, port: int) -> None:
        if port == 0:
            found = self.t.ephemeral_udp(self.ports)
            if found is None:
                raise os_error(errno.EAGAIN)
            port = found
        elif self.ports.conflicts(addr, port, ep.reuse, ep.device, ep.v6only):
            raise os_error(errno.EADDRINUSE)
        ep.bound_addr, ep.bound_port = addr, port
        self.ports.add(ep)

    def unbind(self, ep: UdpEndpoint) -> None:
        if ep.bound_port:
            self.ports.remove(ep)

    def rehash(self, ep: UdpEndpoint, addr: IPAddress) -> None:
        """connect() binds a wildcard socket to the source address it will use."""
        self.ports.remove(ep)
        ep.bound_addr = addr
        self.ports.add(ep)

    def lookup(self, d: Datagram) -> list[UdpEndpoint]:
        scored = [
            (ep.score(d), ep) for ep in self.ports.on_port(d.dport) if isinstance(ep, UdpEndpoint)
        ]
        scored = [(s, ep) for s, ep in scored if s >= 0]
        if not scored:
            return []
        if d.broadcast:
            return [ep for _, ep in scored]
        best = max(s for s, _ in scored)
        return [next(ep for s, ep in scored if s == best)]

    def input(self, d: Datagram) -> bool:
        """Queue the datagram on its socket(s); False when no socket takes it."""
        targets = self.lookup(d)
        for ep in targets:
            if ep.queued_bytes + len(d.payload) > RECEIVE_BUFFER:
                continue  # the receive buffer is full: dropped (UDP_MIB_RCVBUFERRORS)
            ep.queue.append((d.payload, d.src, d.sport))
            ep.changed.notify()
        return bool(targets)

    def icmp_error(
        self, local: IPAddress, lport: int, remote: IPAddress, rport: int, err: int, hard: bool
    ) -> None:
        """An error about a datagram we sent from ``local:lport`` to ``remote:rport``."""
        for ep in self.lookup(Datagram(remote, local, rport, lport, b"")):
            if hard and ep.peer is not None:
                ep.err = err
                ep.changed.notify()

    def send(
        self,
        ep: UdpEndpoint,
        payload: bytes,
        dst: IPAddress,
        dport: int,
        tos: int = 0,
        ttl: int | None = None,
    ) -> int:
        if len(payload) > MAX_PAYLOAD:
            raise os_error(errno.EMSGSIZE)
        src = ep.bound_addr if not is_wildcard(ep.bound_addr) else self.t.source_for(dst)
        if src is None:
            raise os_error(errno.ENETUNREACH)
        if not ep.bound_port:
            self.bind(ep, ep.bound_addr, 0)
        if not self.t.output_udp(src, dst, ep.bound_port, dport, payload, ep.owner, tos, ttl):
            raise os_error(errno.EPERM)
        return len(payload)
