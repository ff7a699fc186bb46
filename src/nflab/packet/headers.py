"""Frozen header values: IPv4, TCP, UDP, ICMP, and a packet made of them.

These are the semantic level (smoltcp's ``Repr``); wire parse/emit with
checksums lives beside them (``wire`` for IPv4, ``tcp``/``udp``/``icmp`` for
the transports, ``ipv6``, ``arp``, ``ethernet``). A change to a packet (NAT,
TTL, TOS, MARK is not in the packet) makes a new value with
``dataclasses.replace``.

Checksums are not part of a value: emit computes them. The ``checksum``
fields stay None for every packet the simulator makes; ``parse`` fills one
in only when the wire value is not the one emit would compute (a packet read
with verification off; the transport header of a first fragment, or of an
ICMP error's quote cut short, whose checksum covers bytes that are not
there), so that emitting a parsed packet gives back the bytes it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from ipaddress import IPv4Address


class TcpFlags(IntFlag):
    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10
    URG = 0x20
    ECE = 0x40
    CWR = 0x80


IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 1, 6, 17
# an ICMP error quotes at most this much of the offending packet (RFC 1812: all fits 576)
ICMP_QUOTE_MAX = 548


@dataclass(frozen=True, slots=True)
class IPv4:
    src: IPv4Address
    dst: IPv4Address
    proto: int
    ttl: int = 64
    tos: int = 0
    ident: int = 0
    dont_fragment: bool = True
    more_fragments: bool = False
    frag_offset: int = 0  # in 8-byte units
    options: bytes = b""  # raw, padded to a multiple of 4 bytes
    checksum: int | None = None  # see the module docstring

    @property
    def is_fragment(self) -> bool:
        """A piece of a fragmented datagram."""
        return self.more_fragments or self.frag_offset != 0

    @property
    def header_length(self) -> int:
        return 20 + len(self.options)


TCPOPT_EOL, TCPOPT_NOP, TCPOPT_MSS, TCPOPT_WSCALE = 0, 1, 2, 3
TCPOPT_SACK_PERM, TCPOPT_SACK, TCPOPT_TIMESTAMP = 4, 5, 8


@dataclass(frozen=True, slots=True)
class TcpOption:
    """One TCP option as it is on the wire: its kind and the bytes after the length byte.

    End-of-list (0) and no-operation (1) are a single byte. Any kind is kept,
    known or not. An end-of-list parsed from a header whose bytes after it are
    not plain zero padding keeps those bytes in ``data``.
    """

    kind: int
    data: bytes = b""

    @property
    def size(self) -> int:
        """Bytes this option takes in the header."""
        return 1 + len(self.data) if self.kind in (TCPOPT_EOL, TCPOPT_NOP) else 2 + len(self.data)

    @classmethod
    def eol(cls) -> TcpOption:
        return cls(TCPOPT_EOL)

    @classmethod
    def nop(cls) -> TcpOption:
        return cls(TCPOPT_NOP)

    @classmethod
    def mss(cls, value: int) -> TcpOption:
        return cls(TCPOPT_MSS, value.to_bytes(2, "big"))

    @classmethod
    def window_scale(cls, shift: int) -> TcpOption:
        return cls(TCPOPT_WSCALE, bytes([shift]))

    @classmethod
    def sack_permitted(cls) -> TcpOption:
        return cls(TCPOPT_SACK_PERM)

    @classmethod
    def sack(cls, blocks: tuple[tuple[int, int], ...]) -> TcpOption:
        """Selective acknowledgement: (left edge, right edge) sequence number pairs."""
        return cls(TCPOPT_SACK, b"".join(
            (left & 0xFFFFFFFF).to_bytes(4, "big") + (right & 0xFFFFFFFF).to_bytes(4, "big")
            for left, right in blocks))

    @classmethod
    def timestamps(cls, val: int, ecr: int) -> TcpOption:
        return cls(TCPOPT_TIMESTAMP, (val & 0xFFFFFFFF).to_bytes(4, "big")
                   + (ecr & 0xFFFFFFFF).to_bytes(4, "big"))

    def number(self) -> int | None:
        """The value of an MSS (2 bytes) or window scale (1 byte) option, None if malformed."""
        expected = {TCPOPT_MSS: 2, TCPOPT_WSCALE: 1}.get(self.kind)
        return int.from_bytes(self.data, "big") if len(self.data) == expected else None

    def timestamp_pair(self) -> tuple[int, int] | None:
        """(TSval, TSecr) of a well-formed timestamps option."""
        if self.kind != TCPOPT_TIMESTAMP or len(self.data) != 8:
            return None
        return int.from_bytes(self.data[:4], "big"), int.from_bytes(self.data[4:], "big")

    def sack_blocks(self) -> tuple[tuple[int, int], ...] | None:
        """The (left, right) edges of a well-formed SACK option."""
        if self.kind != TCPOPT_SACK or len(self.data) % 8:
            return None
        words = [int.from_bytes(self.data[i : i + 4], "big") for i in range(0, len(self.data), 4)]
        return tuple(zip(words[::2], words[1::2], strict=True))


@dataclass(frozen=True, slots=True)
class TCP:
    sport: int
    dport: int
    seq: int = 0
    ack: int = 0
    flags: int = 0
    window: int = 64240
    urgent: int = 0
    options: tuple[TcpOption, ...] = ()
    checksum: int | None = None  # see the module docstring
    # ``flags`` holds the 12 bits after the data offset: the 8 flags of TcpFlags and,
    # above them, the reserved nibble whose lowest bit is NS/AE (``flags >> 8``)

    @property
    def header_length(self) -> int:
        """The data offset in bytes: 20 plus the options padded to a multiple of 4."""
        size = 20 + sum(opt.size for opt in self.options)
        return (size + 3) // 4 * 4

    def option_kinds(self) -> frozenset[int]:
        return frozenset(o.kind for o in self.options)

    def option(self, kind: int) -> TcpOption | None:
        """The first option of a kind."""
        return next((o for o in self.options if o.kind == kind), None)

    @property
    def mss(self) -> int | None:
        for opt in self.options:
            if opt.kind == TCPOPT_MSS and len(opt.data) == 2:
                return int.from_bytes(opt.data, "big")
        return None


@dataclass(frozen=True, slots=True)
class UDP:
    sport: int
    dport: int
    checksum: int | None = None  # see the module docstring (0: sent without a checksum)
    length: int | None = None  # the length field when not 8 + payload (a first fragment)

    header_length = 8


@dataclass(frozen=True, slots=True)
class ICMP:
    """An ICMP message; errors quote the offending packet (``quoted``).

    The 4 bytes after the checksum are ``gateway`` for a redirect (5) and a
    parameter problem (12, whose pointer is the first byte), ``ident`` (the
    unused half) and ``mtu`` for fragmentation needed (3/4), and ``ident``,
    ``seq`` for every other type (zero for the other errors).
    """

    type: int
    code: int = 0
    ident: int = 0
    seq: int = 0
    quoted: Packet | None = None
    gateway: IPv4Address | None = None  # redirect
    mtu: int = 0  # fragmentation needed
    checksum: int | None = None  # see the module docstring

    header_length = 8

    @property
    def is_error(self) -> bool:
        return self.type in (3, 4, 5, 11, 12)


L4 = TCP | UDP | ICMP


@dataclass(frozen=True, slots=True)
class Packet:
    """An IPv4 packet: header, transport header, payload.

    ``l4`` is None for a later fragment and for a protocol without a header
    value (sctp, esp, ...): the raw bytes are in ``payload``. A first fragment
    has its transport header (what the kernel's matches read) and the rest of
    its data in ``payload``; the header's checksum (and UDP length) cover the
    whole datagram, so they are kept as read. ``truncated``
    counts the bytes of the packet that are not here: an ICMP error quotes at
    most 548 bytes of the packet it is about, whose IP total length still
    counts them all.
    """

    ip: IPv4
    l4: L4 | None = None
    payload: bytes = b""
    truncated: int = 0

    @property
    def tcp(self) -> TCP | None:
        return self.l4 if isinstance(self.l4, TCP) else None

    @property
    def udp(self) -> UDP | None:
        return self.l4 if isinstance(self.l4, UDP) else None

    @property
    def icmp(self) -> ICMP | None:
        return self.l4 if isinstance(self.l4, ICMP) else None

    @property
    def l4_length(self) -> int:
        if self.l4 is None:
            return 0
        if isinstance(self.l4, ICMP) and self.l4.quoted is not None:
            quoted = self.l4.quoted
            return 8 + min(quoted.wire_length, ICMP_QUOTE_MAX)
        return self.l4.header_length

    @property
    def length(self) -> int:
        """IP total length (what LEN= in the kernel log and byte counters count)."""
        return self.ip.header_length + self.l4_length + len(self.payload) + self.truncated

    @property
    def wire_length(self) -> int:
        """The bytes emit gives: the total length less what a quote cut off."""
        return self.length - self.truncated

