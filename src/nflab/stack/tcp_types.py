"""The vocabulary of the TCP modules: states, sequence arithmetic, segments, and what a
connection needs from its namespace (:class:`TcpHost`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING, Any, Protocol

from ..packet.headers import TCP, TcpFlags

if TYPE_CHECKING:
    from .tcp import TcpConnection

IPAddress = IPv4Address | IPv6Address
MASK = 0xFFFFFFFF
# plain ints: ``int & IntFlag`` builds an enum member on every test (slow on the hot path)
SYN, ACK, FIN, RST, PSH = (int(f) for f in (TcpFlags.SYN, TcpFlags.ACK, TcpFlags.FIN, TcpFlags.RST, TcpFlags.PSH))


class TcpState(Enum):
    CLOSE = "CLOSE"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN_SENT"
    SYN_RECV = "SYN_RECV"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT1 = "FIN_WAIT1"
    FIN_WAIT2 = "FIN_WAIT2"
    CLOSE_WAIT = "CLOSE_WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST_ACK"
    TIME_WAIT = "TIME_WAIT"


S = TcpState
SENDING_STATES = frozenset({S.ESTABLISHED, S.CLOSE_WAIT})
RECEIVING_STATES = frozenset({S.ESTABLISHED, S.FIN_WAIT1, S.FIN_WAIT2})


def seq_diff(a: int, b: int) -> int:
    """``a - b`` in sequence space (``before``/``after`` of the kernel)."""
    d = (a - b) & MASK
    return d - (1 << 32) if d & 0x80000000 else d


@dataclass(frozen=True, slots=True)
class Segment:
    """A TCP segment as the transport layer received it."""

    src: IPAddress
    dst: IPAddress
    tcp: TCP
    payload: bytes = b""
    dev: str = "lo"
    tos: int = 0

    @property
    def length(self) -> int:
        """Sequence space the segment occupies (SYN and FIN count one each)."""
        return len(self.payload) + bool(self.tcp.flags & SYN) + bool(self.tcp.flags & FIN)


class TcpHost(Protocol):
    """What a connection needs from its namespace (the TCP layer provides it)."""

    def now(self) -> float: ...

    def rng_bits(self, bits: int) -> int: ...

    def secure_seq(self, local: IPAddress, remote: IPAddress, lport: int, rport: int) -> int: ...

    def secure_ts_off(self, local: IPAddress, remote: IPAddress) -> int: ...

    def timer(self, delay: float, action: Callable[[], None]) -> Any: ...

    def signal(self) -> Any: ...

    def sysctl(self, name: str, default: int = 0, index: int = 0) -> int: ...

    def output(self, conn: TcpConnection, tcp: TCP, payload: bytes, ident: int) -> bool: ...

    def send_reset(self, seg: Segment) -> None: ...

    def release(self, conn: TcpConnection) -> None: ...

    def established(self, conn: TcpConnection) -> bool: ...


@dataclass
class Sent:
    """A segment sent and not yet acknowledged (kept for retransmission)."""

    seq: int
    flags: int
    data: bytes = b""

    @property
    def end(self) -> int:
        return (self.seq + len(self.data) + bool(self.flags & SYN) + bool(self.flags & FIN)) & MASK
