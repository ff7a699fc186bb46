"""Local ports of one protocol in one namespace: who holds them, bind conflicts, ephemeral ports.

Mirrors ``inet_csk_bind_conflict`` (TCP) and ``udp_lib_lport_inuse`` (UDP): two
sockets on one port conflict when their addresses overlap (equal, or either
a wildcard; a dual-stack ``::`` covers every IPv4 address) and their bound
devices do not differ, unless both set SO_REUSEADDR and, for TCP, the
holder is not listening. Ephemeral ports come from the seeded generator the
namespace is given, in ``net.ipv4.ip_local_port_range``, with the parity
Linux 6.x prefers: ``connect()`` takes even ports, ``bind(0)`` odd ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address
from typing import Protocol

IPAddress = IPv4Address | IPv6Address

ANY4 = IPv4Address(0)
ANY6 = IPv6Address(0)


class PortHolder(Protocol):
    """What the table needs to know of a bound socket or connection."""

    @property
    def bound_addr(self) -> IPAddress: ...

    @property
    def bound_port(self) -> int: ...

    @property
    def reuse(self) -> bool: ...

    @property
    def device(self) -> str: ...

    @property
    def v6only(self) -> bool: ...

    @property
    def listening(self) -> bool: ...


def is_wildcard(addr: IPAddress) -> bool:
    return int(addr) == 0


def addresses_overlap(a: IPAddress, a_v6only: bool, b: IPAddress, b_v6only: bool) -> bool:
    if a.version == b.version:
        return a == b or is_wildcard(a) or is_wildcard(b)
    # IPv4 against IPv6: only a dual-stack wildcard covers IPv4 addresses
    v6, v6only = (a, a_v6only) if a.version == 6 else (b, b_v6only)
    return is_wildcard(v6) and not v6only


def address_covers(bound: IPAddress, v6only: bool, addr: IPAddress) -> bool:
    """Does a socket bound to ``bound`` receive what is sent to ``addr``?"""
    if bound.version == addr.version:
        return bound == addr or is_wildcard(bound)
    return bound.version == 6 and is_wildcard(bound) and not v6only


class PortTable:
    def __init__(self, stream: bool) -> None:
        self.stream = stream  # TCP rules (a listener never shares) or UDP rules
        self.holders: dict[int, list[PortHolder]] = {}

    def add(self, holder: PortHolder) -> None:
        self.holders.setdefault(holder.bound_port, []).append(holder)

    def remove(self, holder: PortHolder) -> None:
        held = self.holders.get(holder.bound_port, [])
        if holder in held:
            held.remove(holder)
        if not held:
            self.holders.pop(holder.bound_port, None)

    def on_port(self, port: int) -> list[PortHolder]:
        return list(self.holders.get(port, ()))

    def conflicts(
        self,
        addr: IPAddress,
        port: int,
        reuse: bool,
        device: str,
        v6only: bool,
        ignore: object = None,
    ) -> bool:
        for other in self.holders.get(port, ()):
            if other is ignore:
                continue
            if device and other.device and device != other.device:
                continue
            if not addresses_overlap(addr, v6only, other.bound_addr, other.v6only):
                continue
            if reuse and other.reuse and not (self.stream and other.listening):
                continue
            return True
        return False

    def ephemeral(
        self,
        rng: random.Random,
        port_range: tuple[int, int],
        parity: int | None,
        usable: Callable[[int], bool] | None = None,
    ) -> int | None:
        """A free port from a random starting point: first those of ``parity`` (0 even,
        1 odd, None any), then the others; None when the range is exhausted."""
        low, high = port_range
        count = high - low + 1
        if count <= 0:
            return None
        start = rng.randrange(count)
        order = [low + (start + i) % count for i in range(count)]
        if parity is not None:
            order = [p for p in order if p % 2 == parity] + [p for p in order if p % 2 != parity]
        for port in order:
            if port in self.holders:
                continue
            if usable is None or usable(port):
                return port
        return None
