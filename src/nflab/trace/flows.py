"""Packets as a trace shows them: the flow (addresses and ports), a one-line summary,
and what changed between two sightings of the same packet."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from ..packet.headers import ICMP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP, UDP, Packet

PROTO_NAMES = {IPPROTO_ICMP: "icmp", IPPROTO_TCP: "tcp", IPPROTO_UDP: "udp"}
_FLAG_LETTERS = (("SYN", "S"), ("FIN", "F"), ("RST", "R"), ("PSH", "P"), ("URG", "U"),
                 ("ECE", "E"), ("CWR", "W"), ("ACK", "."))  # tcpdump's letters, in its order
_FLAG_BITS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20,
              "ECE": 0x40, "CWR": 0x80}
ICMP_NAMES = {0: "echo-reply", 3: "destination-unreachable", 5: "redirect", 8: "echo-request",
              11: "time-exceeded", 12: "parameter-problem", 13: "timestamp-request",
              14: "timestamp-reply"}
UNREACH_CODES = {0: "network-unreachable", 1: "host-unreachable", 2: "protocol-unreachable",
                 3: "port-unreachable", 4: "fragmentation-needed", 9: "net-prohibited",
                 10: "host-prohibited", 13: "admin-prohibited"}


def proto_name(proto: int) -> str:
    return PROTO_NAMES.get(proto, str(proto))


@dataclass(frozen=True, slots=True)
class Flow:
    """What NAT rewrites: the protocol, both addresses and both ports (the ICMP query id
    stands in both ports, so that a reply's flow is the request's, reversed)."""

    proto: int
    src: IPv4Address
    sport: int
    dst: IPv4Address
    dport: int

    def reversed(self) -> Flow:
        return Flow(self.proto, self.dst, self.dport, self.src, self.sport)

    @property
    def has_ports(self) -> bool:
        return self.proto in (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP)

    def text(self) -> str:
        """``tcp 192.0.2.1:40000 > 10.0.0.1:22``."""
        name = proto_name(self.proto)
        if self.proto == IPPROTO_ICMP:
            return f"{name} {self.src} > {self.dst} id {self.sport}"
        if self.has_ports:
            return f"{name} {self.src}:{self.sport} > {self.dst}:{self.dport}"
        return f"{name} {self.src} > {self.dst}"


def flow_of(packet: Packet) -> Flow:
    ip = packet.ip
    l4 = packet.l4
    if isinstance(l4, TCP | UDP):
        return Flow(ip.proto, ip.src, l4.sport, ip.dst, l4.dport)
    if isinstance(l4, ICMP) and not l4.is_error:
        return Flow(ip.proto, ip.src, l4.ident, ip.dst, l4.ident)
    return Flow(ip.proto, ip.src, 0, ip.dst, 0)


def tcp_flag_letters(flags: int) -> str:
    """tcpdump's ``[S.]`` letters."""
    return "".join(letter for name, letter in _FLAG_LETTERS if flags & _FLAG_BITS[name])


def tcp_flag_names(flags: int) -> list[str]:
    return [name for name, bit in _FLAG_BITS.items() if flags & bit]


def icmp_text(icmp: ICMP) -> str:
    name = ICMP_NAMES.get(icmp.type, f"type {icmp.type}")
    if icmp.type == 3:
        return f"{name} ({UNREACH_CODES.get(icmp.code, f'code {icmp.code}')})"
    if icmp.code and icmp.type not in (3,):
        return f"{name} code {icmp.code}"
    return name


def summary(packet: Packet) -> str:
    """One line: ``tcp 192.0.2.1:40000 > 10.0.0.1:22 [S]``, ``icmp 10.0.0.1 > 10.0.0.2
    echo-request id 7 seq 1``, ``icmp ... destination-unreachable (port-unreachable) about
    udp 10.0.0.2:5000 > 10.0.0.1:53``."""
    l4 = packet.l4
    base = flow_of(packet).text()
    if isinstance(l4, TCP):
        text = f"{base} [{tcp_flag_letters(l4.flags)}]"
        if packet.payload:
            text += f" {len(packet.payload)} bytes"
        return text
    if isinstance(l4, ICMP):
        ip = packet.ip
        if l4.is_error:
            text = f"icmp {ip.src} > {ip.dst} {icmp_text(l4)}"
            if l4.quoted is not None:
                text += f" about {flow_of(l4.quoted).text()}"
            return text
        return f"icmp {ip.src} > {ip.dst} {icmp_text(l4)} id {l4.ident} seq {l4.seq}"
    if isinstance(l4, UDP):
        return f"{base} {len(packet.payload)} bytes"
    return base


@dataclass(frozen=True, slots=True)
class Change:
    """One header field that differs between two sightings of a packet."""

    field: str  # src, dst, sport, dport, id (ICMP query id), ttl, tos, mss, quoted-src...
    old: str
    new: str


def changes(before: Packet, after: Packet) -> list[Change]:
    """The header fields NAT and the mangle targets rewrite, in the packet's order."""
    if before is after:
        return []
    found: list[Change] = []
    a, b = before.ip, after.ip
    for name in ("src", "dst", "ttl", "tos"):
        old, new = getattr(a, name), getattr(b, name)
        if old != new:
            found.append(Change(name, _show(name, old), _show(name, new)))
    _l4_changes(before, after, found, "")
    qa = before.icmp.quoted if before.icmp is not None else None
    qb = after.icmp.quoted if after.icmp is not None else None
    if qa is not None and qb is not None and qa != qb:
        for name in ("src", "dst"):
            old, new = getattr(qa.ip, name), getattr(qb.ip, name)
            if old != new:
                found.append(Change(f"quoted-{name}", str(old), str(new)))
        _l4_changes(qa, qb, found, "quoted-")
    return found


def _l4_changes(before: Packet, after: Packet, found: list[Change], prefix: str) -> None:
    la, lb = before.l4, after.l4
    if isinstance(la, TCP | UDP) and isinstance(lb, TCP | UDP):
        for name in ("sport", "dport"):
            old, new = getattr(la, name), getattr(lb, name)
            if old != new:
                found.append(Change(prefix + name, str(old), str(new)))
    if isinstance(la, TCP) and isinstance(lb, TCP):
        if la.mss != lb.mss:
            found.append(Change(prefix + "mss", str(la.mss), str(lb.mss)))
        if la.flags != lb.flags:
            found.append(Change(prefix + "flags", tcp_flag_letters(la.flags),
                                tcp_flag_letters(lb.flags)))
    if isinstance(la, ICMP) and isinstance(lb, ICMP) and not la.is_error and la.ident != lb.ident:
        found.append(Change(prefix + "id", str(la.ident), str(lb.ident)))


def _show(name: str, value: object) -> str:
    if name == "tos" and isinstance(value, int):
        return f"0x{value:02x}"
    return str(value)
