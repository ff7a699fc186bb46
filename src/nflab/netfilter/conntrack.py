"""Connection tracking of one namespace (``nf_conntrack_core``, ``_proto_tcp/udp/icmp``).

A packet is resolved to a connection and a state (NEW, ESTABLISHED, RELATED,
INVALID) at the first conntrack hook it meets; a new connection is inserted
("confirmed") only when its first packet leaves the last hook, so a packet
dropped on the way leaves no entry. Time is passed in: entries expire lazily.
"""

from __future__ import annotations

import builtins
import itertools
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from ..packet.headers import IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Packet, TcpFlags
from .ctview import CtDir, CtStatus
from .skb import CtState

# ICMP queries and their answers (``invmap`` of nf_conntrack_proto_icmp.c)
ICMP_REPLY_TYPE = {8: 0, 13: 14, 15: 16, 17: 18, 0: 8, 14: 13, 16: 15, 18: 17}
ICMP_QUERIES = {8, 13, 15, 17}


@dataclass(frozen=True, slots=True)
class Tuple:
    """``nf_conntrack_tuple``: for ICMP, ``sport`` is the id and ``dport`` is type<<8|code."""

    proto: int
    src: IPv4Address
    dst: IPv4Address
    sport: int = 0
    dport: int = 0

    def reply(self) -> Tuple:
        if self.proto == IPPROTO_ICMP:
            icmp_type, code = divmod(self.dport, 256)
            return Tuple(self.proto, self.dst, self.src, self.sport, ICMP_REPLY_TYPE.get(icmp_type, icmp_type) * 256 + code)
        return Tuple(self.proto, self.dst, self.src, self.dport, self.sport)

    def fields(self) -> str:
        """The ``src=... dst=... sport=... dport=...`` part of ``conntrack -L``."""
        text = f"src={self.src} dst={self.dst}"
        if self.proto == IPPROTO_ICMP:
            icmp_type, code = divmod(self.dport, 256)
            return text + f" type={icmp_type} code={code} id={self.sport}"
        if self.proto in (IPPROTO_TCP, IPPROTO_UDP):
            return text + f" sport={self.sport} dport={self.dport}"
        return text


def packet_tuple(packet: Packet) -> Tuple | None:
    """The tuple of a packet in its own direction (None for an ICMP error: see ``quoted``)."""
    ip = packet.ip
    l4 = packet.l4
    if packet.tcp is not None or packet.udp is not None:
        assert l4 is not None and not hasattr(l4, "type")
        return Tuple(ip.proto, ip.src, ip.dst, l4.sport, l4.dport)
    icmp = packet.icmp
    if icmp is not None:
        if icmp.is_error:
            return None
        return Tuple(ip.proto, ip.src, ip.dst, icmp.ident, icmp.type * 256 + icmp.code)
    return Tuple(ip.proto, ip.src, ip.dst)


Status = CtStatus  # ``enum ip_conntrack_status`` (shared with the extensions' view)
# the bits as plain ints for the per-packet paths (a connection's status is an int:
# IntFlag arithmetic builds enum members and is slow)
_SEEN_REPLY, _ASSURED, _CONFIRMED = int(Status.SEEN_REPLY), int(Status.ASSURED), int(Status.CONFIRMED)
_DYING, _SRC_NAT_DONE = int(Status.DYING), int(Status.SRC_NAT_DONE)


# TCP conntrack states (the kernel's names as conntrack -L prints them)
NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2 = (
    "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
    "TIME_WAIT", "CLOSE", "SYN_SENT2",
)
IV, IG = "INVALID", "IGNORE"
_COLS = (NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2)
_S = {"sNO": NONE, "sSS": SYN_SENT, "sSR": SYN_RECV, "sES": ESTABLISHED, "sFW": FIN_WAIT, "sCW": CLOSE_WAIT,
      "sLA": LAST_ACK, "sTW": TIME_WAIT, "sCL": CLOSE, "sS2": SYN_SENT2, "sIV": IV, "sIG": IG}


def _rows(text: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for line in text.strip().splitlines():
        name, *cells = line.split()
        out[name] = tuple(_S[c] for c in cells)
    return out


# ``tcp_conntracks[dir][packet kind][old state]`` of nf_conntrack_proto_tcp.c
_TCP_TABLE = {
    False: _rows("""
        syn    sSS sSS sIG sIG sIG sIG sIG sSS sSS sS2
        synack sIV sIV sSR sIV sIV sIV sIV sIV sIV sSR
        fin    sIV sIV sFW sFW sLA sLA sLA sTW sCL sIV
        ack    sES sIV sES sES sCW sCW sTW sTW sCL sIV
        rst    sIV sCL sCL sCL sCL sCL sCL sCL sCL sCL
        none   sIV sIV sIV sIV sIV sIV sIV sIV sIV sIV"""),
    True: _rows("""
        syn    sIV sS2 sIV sIV sIV sIV sIV sSS sIV sS2
        synack sIV sSR sIG sIG sIG sIG sIG sIG sIG sSR
        fin    sIV sIV sFW sFW sLA sLA sLA sTW sCL sIV
        ack    sIV sIG sSR sES sCW sCW sTW sTW sCL sIG
        rst    sIV sCL sCL sCL sCL sCL sCL sCL sCL sCL
        none   sIV sIV sIV sIV sIV sIV sIV sIV sIV sIV"""),
}


_RST, _SYN, _FIN, _ACK = int(TcpFlags.RST), int(TcpFlags.SYN), int(TcpFlags.FIN), int(TcpFlags.ACK)


def tcp_packet_kind(flags: int) -> str:
    """``get_conntrack_index`` (on plain ints: IntFlag operators cost a new enum member)."""
    flags = int(flags)
    if flags & _RST:
        return "rst"
    if flags & _SYN:
        return "synack" if flags & _ACK else "syn"
    if flags & _FIN:
        return "fin"
    if flags & _ACK:
        return "ack"
    return "none"


def tcp_next_state(old: str, flags: int, reply: bool) -> str:
    return _TCP_TABLE[reply][tcp_packet_kind(flags)][_COLS.index(old)]


TCP_TIMEOUT_KEYS = {
    SYN_SENT: "syn_sent", SYN_RECV: "syn_recv", ESTABLISHED: "established", FIN_WAIT: "fin_wait",
    CLOSE_WAIT: "close_wait", LAST_ACK: "last_ack", TIME_WAIT: "time_wait", CLOSE: "close",
    SYN_SENT2: "syn_sent",
}


@dataclass
class Conn:
    """One tracked connection (``struct nf_conn``)."""

    id: int
    orig: Tuple
    reply: Tuple  # what replies look like: the inverse of the original after NAT
    status: int = 0  # CtStatus bits
    expires: float = 0.0
    tcp_state: str | None = None
    mark: int = 0
    labels: int = 0
    zone: int = 0
    helper: str | None = None
    secmark: int = 0
    master: Conn | None = None
    udp_stream_at: float = 0.0
    packets: list[int] = field(default_factory=lambda: [0, 0])
    bytes: list[int] = field(default_factory=lambda: [0, 0])

    @property
    def proto(self) -> int:
        return self.orig.proto

    def tuple_for(self, reply: bool) -> Tuple:
        return self.reply if reply else self.orig

    # -- ConnView (what extensions read) ------------------------------------------

    def tuple(self, direction: CtDir) -> Tuple:
        return self.reply if direction == CtDir.REPLY else self.orig

    def expires_in(self, now: float) -> float:
        return max(0.0, self.expires - now)

    def counters(self, direction: CtDir) -> builtins.tuple[int, int]:
        return self.packets[int(direction)], self.bytes[int(direction)]

    @property
    def finished(self) -> bool:
        return bool(self.status & _DYING) or self.tcp_state in (CLOSE, TIME_WAIT)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """The ``net.netfilter.nf_conntrack_*_timeout*`` sysctls (seconds)."""

    values: dict[str, int]

    def tcp(self, state: str) -> int:
        return self.values.get(f"nf_conntrack_tcp_timeout_{TCP_TIMEOUT_KEYS.get(state, 'close')}", 10)

    def get(self, name: str, default: int) -> int:
        return self.values.get(name, default)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What conntrack decided for one packet."""

    conn: Conn | None
    state: CtState
    reply: bool = False
    new: bool = False  # an unconfirmed entry created by this packet


class ConntrackTable:
    """The entries of one namespace, by tuple in both directions."""

    def __init__(self) -> None:
        self.by_tuple: dict[Tuple, tuple[Conn, bool]] = {}
        self._ids = itertools.count(1)

    def entries(self, now: float) -> list[Conn]:
        self.expire(now)
        seen: dict[int, Conn] = {}
        for conn, _ in self.by_tuple.values():
            seen.setdefault(conn.id, conn)
        return list(seen.values())

    def expire(self, now: float) -> None:
        for key in [k for k, (c, _) in self.by_tuple.items() if c.expires <= now]:
            del self.by_tuple[key]

    def find(self, t: Tuple, now: float) -> tuple[Conn, bool] | None:
        hit = self.by_tuple.get(t)
        if hit is None:
            return None
        if hit[0].expires <= now:
            self.remove(hit[0])
            return None
        return hit

    def tuple_taken(self, t: Tuple, ignore: Conn | None = None) -> bool:
        """``nf_nat_used_tuple``: is ``t`` the reply tuple of another connection?"""
        hit = self.by_tuple.get(t.reply())
        return hit is not None and hit[0] is not ignore

    def by_source(self, t: Tuple) -> list[Tuple]:
        """``find_appropriate_src``: for the source-NATed connections (``nf_nat_bysource``,
        newest first) from ``t``'s protocol, source address and port, the original tuple
        as translated (the inverse of their reply tuple)."""
        found = []
        for conn, reply in reversed(self.by_tuple.values()):
            o = conn.orig
            if (
                not reply and o.src == t.src and o.sport == t.sport and o.proto == t.proto
                and conn.status & _SRC_NAT_DONE
            ):
                found.append(conn.reply.reply())
        return found

    def new_conn(self, t: Tuple) -> Conn:
        return Conn(next(self._ids), t, t.reply())

    def confirm(self, conn: Conn) -> None:
        conn.status |= _CONFIRMED
        self.by_tuple[conn.orig] = (conn, False)
        self.by_tuple[conn.reply] = (conn, True)

    def remove(self, conn: Conn) -> None:
        for key in (conn.orig, conn.reply):
            if self.by_tuple.get(key, (None,))[0] is conn:
                del self.by_tuple[key]

    def flush(self) -> int:
        count = len({id(c) for c, _ in self.by_tuple.values()})
        self.by_tuple.clear()
        return count


def resolve(table: ConntrackTable, packet: Packet, now: float, loose: bool = True) -> Resolution:
    """``nf_conntrack_in`` up to the state decision (no insertion: see :func:`confirm`)."""
    icmp = packet.icmp
    if icmp is not None and icmp.is_error:
        # an ICMP error is RELATED to the connection of the packet it quotes; it travels
        # against that packet, so its own direction is that of the quoted tuple's inverse
        # (``nf_conntrack_inet_error`` looks that up: the quoted packet may be NATed)
        quoted = icmp.quoted
        inner = packet_tuple(quoted) if quoted is not None else None
        hit = table.find(inner.reply(), now) if inner is not None else None
        if hit is None:
            return Resolution(None, CtState.INVALID)
        conn, reply = hit
        return Resolution(conn, CtState.RELATED, reply)
    t = packet_tuple(packet)
    if t is None:
        return Resolution(None, CtState.INVALID)
    hit = table.find(t, now)
    if hit is not None:
        conn, reply = hit
        if conn.proto == IPPROTO_TCP and packet.tcp is not None:
            nxt = tcp_next_state(conn.tcp_state or NONE, packet.tcp.flags, reply)
            if nxt == IV:
                # ``tcp_packet`` returns -NF_ACCEPT: the skb loses its entry (no NAT either)
                return Resolution(None, CtState.INVALID, reply)
            if nxt == SYN_SENT and conn.tcp_state in (TIME_WAIT, CLOSE) and not reply:
                # a new SYN reopens a closed connection: the old entry is killed
                table.remove(conn)
                return _new(table, t, packet, loose)
        seen_reply = bool(conn.status & _SEEN_REPLY) or reply
        return Resolution(conn, CtState.ESTABLISHED if seen_reply else CtState.NEW, reply)
    if icmp is not None and icmp.type not in ICMP_QUERIES:
        return Resolution(None, CtState.INVALID)  # an unsolicited echo reply etc.
    return _new(table, t, packet, loose)


def _new(table: ConntrackTable, t: Tuple, packet: Packet, loose: bool) -> Resolution:
    tcp = packet.tcp
    if tcp is not None:
        kind = tcp_packet_kind(tcp.flags)
        if kind == "syn" or (loose and kind == "ack"):
            pass
        else:
            return Resolution(None, CtState.INVALID)
    return Resolution(table.new_conn(t), CtState.NEW, False, new=True)


def update(conn: Conn, packet: Packet, reply: bool, now: float, timeouts: Timeouts) -> None:
    """Per-protocol state and timeout update (``nf_conntrack_handle_packet``) for a packet
    accepted on its way: TCP state machine, UDP streams, SEEN_REPLY/ASSURED bits."""
    direction = 1 if reply else 0
    conn.packets[direction] += 1
    conn.bytes[direction] += packet.length
    # the protocol handlers see SEEN_REPLY as it was before this packet: ``nf_conntrack_in``
    # sets it after them (a RST as the only answer kills the entry, a first UDP reply
    # keeps the unreplied timeout)
    seen_reply = bool(conn.status & _SEEN_REPLY)
    if reply:
        conn.status |= _SEEN_REPLY
    tcp = packet.tcp
    if conn.proto == IPPROTO_TCP and tcp is not None:
        old = conn.tcp_state or NONE
        nxt = tcp_next_state(old, tcp.flags, reply)
        if nxt in (IV, IG):
            return
        conn.tcp_state = nxt
        timeout = timeouts.tcp(nxt)
        if not seen_reply:
            if tcp.flags & _RST:
                conn.expires = now  # a reset before any reply kills the entry
                return
            if nxt == ESTABLISHED:
                timeout = min(timeout, timeouts.get("nf_conntrack_tcp_timeout_unacknowledged", 300))
        elif old in (SYN_RECV, ESTABLISHED) and nxt == ESTABLISHED:
            conn.status |= _ASSURED
        conn.expires = now + timeout
    elif conn.proto == IPPROTO_UDP:
        if not conn.status & _CONFIRMED:
            conn.udp_stream_at = now + 2  # a stream once still active 2 s after the first packet
        if seen_reply:
            extra = timeouts.get("nf_conntrack_udp_timeout", 30)
            if now > conn.udp_stream_at:
                extra = timeouts.get("nf_conntrack_udp_timeout_stream", 120)
                conn.status |= _ASSURED
            conn.expires = now + extra
        else:
            conn.expires = now + timeouts.get("nf_conntrack_udp_timeout", 30)
    elif conn.proto == IPPROTO_ICMP:
        conn.expires = now + timeouts.get("nf_conntrack_icmp_timeout", 30)
    else:
        conn.expires = now + timeouts.get("nf_conntrack_generic_timeout", 600)


def listing_line(conn: Conn, now: float, proc: bool = False) -> str:
    """A ``conntrack -L`` line, or a ``/proc/net/nf_conntrack`` line when ``proc``."""
    remaining = max(0, int(conn.expires - now))
    name = {IPPROTO_TCP: "tcp", IPPROTO_UDP: "udp", IPPROTO_ICMP: "icmp"}.get(conn.proto, "unknown")
    parts = [f"{name:<8s} {conn.proto}", str(remaining)]
    if conn.tcp_state is not None:
        parts.append(conn.tcp_state)
    parts.append(conn.orig.fields())
    if not conn.status & _SEEN_REPLY:
        parts.append("[UNREPLIED]")
    parts.append(conn.reply.fields())
    if conn.status & _ASSURED:
        parts.append("[ASSURED]")
    parts.append(f"mark={conn.mark}")
    if proc:
        parts.append(f"zone={conn.zone}")
        parts.append("use=2")
        return "ipv4     2 " + " ".join(parts)
    parts.append("use=1")
    return " ".join(parts)

