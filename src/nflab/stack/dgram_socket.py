"""``socket(AF_INET[6], SOCK_DGRAM)`` (UDP) and ``socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)``.

A UDP socket's send() needs a connected peer (EDESTADDRREQ), a datagram
netfilter drops fails with EPERM, an error the peer's ICMP reported
(connected sockets only) comes out of the next recv() or send(). A raw
ICMP socket sends the ICMP message it is given (``type, code, checksum,
id, seq`` then data, as ping builds it: the kernel adds the IP header) and
receives whole IPv4 packets: every ICMP packet delivered to the namespace
that its ICMP_FILTER lets through.
"""

from __future__ import annotations

import errno
import struct
from ipaddress import IPv4Address
from typing import Any

from ..lab.scheduler import Signal
from ..packet.headers import ICMP, IPPROTO_ICMP, IPv4, Packet
from ..packet.wire import emit
from .errors import os_error
from .icmp import RawEndpoint
from .ports import is_wildcard
from .sockets import (
    ICMP_FILTER,
    SHUT_RD,
    SHUT_RDWR,
    SHUT_WR,
    SOCK_DGRAM,
    SOCK_RAW,
    SOL_RAW,
    SocketApi,
    SocketBase,
)
from .udp import UdpEndpoint

# ICMP messages whose second word is an identifier and a sequence number
_ECHO_LIKE = frozenset({0, 8, 13, 14, 15, 16, 17, 18})


def _address_arg(args: tuple[Any, ...]) -> Any:
    """``sendto(data, address)`` or ``sendto(data, flags, address)``."""
    if len(args) not in (1, 2):
        raise TypeError("sendto() takes 2 or 3 arguments")
    return args[-1]


class UdpSocket(SocketBase):
    def __init__(self, api: SocketApi, family: int, proto: int = 0) -> None:
        super().__init__(api, family, SOCK_DGRAM, proto)
        self._udp = api.transport.udp
        self._ep = UdpEndpoint(self._udp, bound_addr=self.any_address, owner=api.owner)
        self._rd_shut = False

    def bind(self, address: Any) -> None:
        self._check_open()
        addr, port = self._parse(address)
        if self._ep.bound_port:
            raise os_error(errno.EINVAL)
        self._check_local(addr)
        self._sync()
        self._udp.bind(self._ep, addr, port)

    def _sync(self) -> None:
        self._ep.reuse, self._ep.device, self._ep.v6only = self.reuse, self.device, self.v6only

    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        super().setsockopt(level, option, value)
        self._sync()

    def connect(self, address: Any) -> None:
        """``ip4_datagram_connect``: remember the peer, bind to the source address toward it."""
        self._check_open()
        addr, port = self._parse(address)
        ep = self._ep
        src = (
            ep.bound_addr if not is_wildcard(ep.bound_addr) else self.api.transport.source_for(addr)
        )
        if src is None:
            raise os_error(errno.ENETUNREACH)
        self._sync()
        if not ep.bound_port:
            self._udp.bind(ep, ep.bound_addr, 0)
        if is_wildcard(ep.bound_addr):
            self._udp.rehash(ep, src)
        ep.peer = (addr, port)

    def connect_ex(self, address: Any) -> int:
        try:
            self.connect(address)
        except OSError as exc:
            return exc.errno or 0
        return 0

    def send(self, data: bytes, flags: int = 0) -> int:
        self._check_open()
        if self._ep.peer is None:
            raise os_error(errno.EDESTADDRREQ)
        return self._send(bytes(data), *self._ep.peer)

    def sendto(self, data: bytes, *args: Any) -> int:
        self._check_open()
        addr, port = self._parse(_address_arg(args))
        return self._send(bytes(data), addr, port)

    def _send(self, data: bytes, addr: Any, port: int) -> int:
        err = self._ep.take_error()
        if err:
            raise os_error(err)
        self._sync()
        return self._udp.send(self._ep, data, addr, port, self.tos, self.ttl)

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, tuple[Any, ...]]:
        self._check_open()
        ep = self._ep
        self._block(lambda: bool(ep.queue) or bool(ep.err) or self._rd_shut, lambda: [ep.changed])
        if ep.err:
            raise os_error(ep.take_error())
        if not ep.queue:
            return b"", self._format(self.any_address, 0)
        data, src, sport = ep.queue.popleft()
        return data[:bufsize], self._format(src, sport)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self.recvfrom(bufsize, flags)[0]

    def getsockname(self) -> tuple[Any, ...]:
        self._check_open()
        return self._format(self._ep.bound_addr, self._ep.bound_port)

    def getpeername(self) -> tuple[Any, ...]:
        self._check_open()
        if self._ep.peer is None:
            raise os_error(errno.ENOTCONN)
        return self._format(*self._ep.peer)

    def shutdown(self, how: int) -> None:
        self._check_open()
        if how not in (SHUT_RD, SHUT_WR, SHUT_RDWR):
            raise os_error(errno.EINVAL)
        if self._ep.peer is None:
            raise os_error(errno.ENOTCONN)
        if how != SHUT_WR:
            self._rd_shut = True
            self._ep.changed.notify()

    def _release(self) -> None:
        self._udp.unbind(self._ep)

    def _take_error(self) -> int:
        return self._ep.take_error()

    def poll_readable(self) -> bool:
        return bool(self._ep.queue) or bool(self._ep.err) or self._rd_shut

    def wait_signals(self) -> list[Signal]:
        return [self._ep.changed]


def parse_icmp(data: bytes) -> tuple[ICMP, bytes]:
    """The ICMP message a program hands a raw socket (its checksum is recomputed on the wire)."""
    if len(data) < 8:
        raise os_error(errno.EINVAL)
    icmp_type, code = data[0], data[1]
    if icmp_type in _ECHO_LIKE:
        ident, seq = struct.unpack("!HH", data[4:8])
        return ICMP(icmp_type, code, ident=ident, seq=seq), data[8:]
    return ICMP(icmp_type, code), data[8:]


class RawSocket(SocketBase):
    def __init__(self, api: SocketApi, family: int, proto: int = IPPROTO_ICMP) -> None:
        super().__init__(api, family, SOCK_RAW, proto)
        self._icmp = api.transport.icmp
        self._ep: RawEndpoint = self._icmp.open_raw(api.owner)

    def bind(self, address: Any) -> None:
        self._check_open()
        addr, _ = self._parse(address)
        self._check_local(addr)
        self._ep.bound_addr = addr

    def connect(self, address: Any) -> None:
        self._check_open()
        self._ep.peer = self._parse(address)[0]

    def send(self, data: bytes, flags: int = 0) -> int:
        if self._ep.peer is None:
            raise os_error(errno.EDESTADDRREQ)
        return self._send(bytes(data), self._ep.peer)

    def sendto(self, data: bytes, *args: Any) -> int:
        self._check_open()
        return self._send(bytes(data), self._parse(_address_arg(args))[0])

    def _send(self, data: bytes, dst: Any) -> int:
        transport = self.api.transport
        ep = self._ep
        src = ep.bound_addr if not is_wildcard(ep.bound_addr) else transport.source4(dst)
        if src is None:
            raise os_error(errno.ENETUNREACH)
        icmp, payload = parse_icmp(data)
        ttl = self.ttl if self.ttl is not None else transport.default_ttl()
        assert isinstance(src, IPv4Address)
        ip = IPv4(
            src, dst, IPPROTO_ICMP, ttl=ttl, tos=self.tos, ident=transport.rng.getrandbits(16)
        )
        if not transport.output_ip(Packet(ip, icmp, payload), self.api.owner):
            raise os_error(errno.EPERM)
        return len(data)

    def recvpacket(self) -> tuple[Packet, tuple[Any, ...]]:
        """The next packet as a header value (what ``recvfrom`` returns the bytes of)."""
        self._check_open()
        ep = self._ep
        self._block(lambda: bool(ep.queue), lambda: [ep.changed])
        packet = ep.queue.popleft()
        return packet, (str(packet.ip.src), 0)

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, tuple[Any, ...]]:
        packet, address = self.recvpacket()
        return emit(packet)[:bufsize], address

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self.recvfrom(bufsize, flags)[0]

    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        if (level, option) == (SOL_RAW, ICMP_FILTER):
            self._check_open()
            self._ep.filter_mask = (
                value if isinstance(value, int) else int.from_bytes(value[:4], "little")
            )
            return
        super().setsockopt(level, option, value)
        self._ep.device = self.device

    def getsockname(self) -> tuple[Any, ...]:
        return self._format(self._ep.bound_addr, 0)

    def _release(self) -> None:
        self._icmp.close_raw(self._ep)

    def poll_readable(self) -> bool:
        return bool(self._ep.queue)

    def wait_signals(self) -> list[Signal]:
        return [self._ep.changed]
