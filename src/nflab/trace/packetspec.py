"""``PACKET`` of ``nflab trace``: a packet written in words.

    PROTO SRC[:PORT] > DST[:PORT] [in IFACE] [OPTION ...]

PROTO is ``tcp``, ``udp``, ``icmp`` or a protocol number; ``->`` or ``to``
may stand for ``>`` (``to`` needs no quoting in a shell). Without ``in IFACE`` the machine
itself sends the packet (OUTPUT, POSTROUTING); with it, the packet arrives
on IFACE (PREROUTING, then INPUT or FORWARD). Options:

- TCP flags: ``syn`` (the default), ``ack``, ``fin``, ``rst``, ``psh``, ``urg``, ``ece``,
  ``cwr``, joined with commas (``syn,ack``) or given one by one; ``flags NONE``;
- ICMP: ``echo-request`` (the default), ``echo-reply``, ``type N [code N]``, ``id N``,
  ``seq N``;
- ``ttl N``, ``tos N``, ``len N`` (payload bytes), ``payload TEXT``, ``mac MAC`` (the
  source MAC an arriving packet had), ``mark N`` (a local packet's mark);
- conntrack: ``new`` (the default) or ``established`` (the packet belongs to a connection
  already in the table, as if its first packets had passed before).

Several packets are separated by ``;`` (they share the conntrack table).
A word that makes no sense is a :class:`SpecError` naming it and its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address

from ..packet.ethernet import parse_mac
from ..packet.headers import ICMP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP, UDP, IPv4, Packet

_PROTOS = {"tcp": IPPROTO_TCP, "udp": IPPROTO_UDP, "icmp": IPPROTO_ICMP}
_FLAGS = {"fin": 0x01, "syn": 0x02, "rst": 0x04, "psh": 0x08, "ack": 0x10, "urg": 0x20,
          "ece": 0x40, "cwr": 0x80, "none": 0}
_ICMP_TYPES = {"echo-request": (8, 0), "echo-reply": (0, 0), "ping": (8, 0), "pong": (0, 0)}
_ARROWS = (">", "->", "to")
_NUMBERED = ("ttl", "tos", "len", "id", "seq", "code", "mark", "type")
_EXPECTED = ("in IFACE, syn/ack/fin/rst/psh/urg, flags F,F, echo-request, echo-reply, type N, "
             "code N, id N, seq N, ttl N, tos N, len N, payload TEXT, mac MAC, mark N, "
             "new, established")


class SpecError(Exception):
    """A packet description that cannot be read: ``word`` is the culprit (None: missing)."""

    def __init__(self, message: str, word: str | None = None, position: int = 0):
        where = f" at `{word}` (word {position})" if word is not None else ""
        super().__init__(f"{message}{where}")
        self.word = word
        self.position = position


@dataclass(frozen=True, slots=True)
class PacketSpec:
    packet: Packet
    in_iface: str = ""  # "" : sent by the machine itself
    src_mac: bytes | None = None
    mark: int = 0
    established: bool = False


def parse_packets(text: str) -> list[PacketSpec]:
    """Every packet of a ``;``-separated description."""
    parts = [p.strip() for p in text.split(";")]
    if not any(parts):
        raise SpecError("no packet given (e.g. `tcp 192.0.2.1:40000 > 10.0.0.1:22 in eth0 syn`)")
    return [parse_packet(p) for p in parts if p]


def _address(word: str, position: int) -> tuple[IPv4Address, int | None]:
    host, sep, port = word.rpartition(":") if ":" in word else (word, "", "")
    try:
        addr = IPv4Address(host)
    except (AddressValueError, ValueError):
        raise SpecError("not an IPv4 address", word, position) from None
    if not sep:
        return addr, None
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SpecError("not a port number (0-65535)", word, position)
    return addr, int(port)


def parse_packet(text: str) -> PacketSpec:
    words = text.split()
    if len(words) < 4:
        raise SpecError("expected `PROTO SRC[:PORT] > DST[:PORT]`",
                        words[-1] if words else None, len(words))
    name = words[0].lower()
    if name in _PROTOS:
        proto = _PROTOS[name]
    elif name.isdigit() and 0 < int(name) < 256:
        proto = int(name)
    else:
        raise SpecError("unknown protocol (tcp, udp, icmp or a number)", words[0], 1)
    src, sport = _address(words[1], 2)
    if words[2] not in _ARROWS:
        raise SpecError("expected `>` (or `->`, `to`) between the addresses", words[2], 3)
    dst, dport = _address(words[3], 4)
    has_ports = proto in (IPPROTO_TCP, IPPROTO_UDP)
    for port, word, at in ((sport, words[1], 2), (dport, words[3], 4)):
        if port is not None and not has_ports:
            raise SpecError(f"{name} has no ports", word, at)
        if port is None and has_ports and at == 4:
            raise SpecError(f"{name} needs a destination port", word, at)
    opts = _options(words, 4, proto)
    ip = IPv4(src, dst, proto, ttl=opts.get("ttl", 64), tos=opts.get("tos", 0))
    payload = opts.get("payload", b"\0" * opts.get("len", 0))
    l4: TCP | UDP | ICMP | None = None
    if proto == IPPROTO_TCP:
        l4 = TCP(sport or 40000, dport or 0, flags=opts.get("flags", 0x02),
                 seq=1000, ack=1 if opts.get("flags", 0x02) & 0x10 else 0)
    elif proto == IPPROTO_UDP:
        l4 = UDP(sport or 40000, dport or 0)
    elif proto == IPPROTO_ICMP:
        icmp_type, code = opts.get("icmp", (8, 0))
        l4 = ICMP(icmp_type, opts.get("code", code), opts.get("id", 1), opts.get("seq", 1))
    return PacketSpec(Packet(ip, l4, payload), opts.get("in", ""), opts.get("mac"),
                      opts.get("mark", 0), opts.get("established", False))


def _options(words: list[str], start: int, proto: int) -> dict:
    opts: dict = {}
    i = start
    flags: int | None = None
    while i < len(words):
        word = words[i]
        low = word.lower()
        position = i + 1
        value = words[i + 1] if i + 1 < len(words) else None
        if low in ("in", "mac", "payload", "flags") or low in _NUMBERED:
            if value is None:
                raise SpecError(f"`{low}` needs a value", word, position)
            i += 2
        else:
            i += 1
        if low == "in":
            opts["in"] = value
        elif low == "mac":
            try:
                opts["mac"] = parse_mac(value or "")
            except ValueError:
                raise SpecError("not a MAC address", value, position + 1) from None
        elif low == "payload":
            opts["payload"] = (value or "").encode()
        elif low == "flags" or all(f in _FLAGS for f in low.split(",")):
            if proto != IPPROTO_TCP:
                raise SpecError("TCP flags on a packet that is not TCP", word, position)
            text = (value or "").lower() if low == "flags" else low
            bits = [f for f in text.replace("|", ",").split(",") if f]
            if not bits or any(b not in _FLAGS for b in bits):
                raise SpecError("unknown TCP flag", value if low == "flags" else word, position)
            flags = (flags or 0) | sum(_FLAGS[b] for b in bits)
        elif low in _ICMP_TYPES:
            _need(proto, IPPROTO_ICMP, word, position)
            opts["icmp"] = _ICMP_TYPES[low]
        elif low in _NUMBERED:
            number = _number(value, position + 1, 0xFFFFFFFF if low == "mark" else 65535)
            if low in ("type", "code", "id", "seq"):
                _need(proto, IPPROTO_ICMP, word, position)
            if low == "type":
                opts["icmp"] = (number, 0)
            else:
                opts[low] = number
        elif low in ("new", "established"):
            opts["established"] = low == "established"
        else:
            raise SpecError(f"unknown word (expected {_EXPECTED})", word, position)
    if flags is not None:
        opts["flags"] = flags
    for key, top in (("ttl", 255), ("tos", 255)):
        if opts.get(key, 0) > top:
            raise SpecError(f"{key} must be 0-{top}", str(opts[key]))
    return opts


def _need(proto: int, wanted: int, word: str, position: int) -> None:
    if proto != wanted:
        raise SpecError("an ICMP option on a packet that is not ICMP", word, position)


def _number(value: str | None, position: int, top: int) -> int:
    text = value or ""
    try:
        number = int(text, 0)
    except ValueError:
        raise SpecError("not a number", text, position) from None
    if not 0 <= number <= top:
        raise SpecError(f"out of range (0-{top})", text, position)
    return number
