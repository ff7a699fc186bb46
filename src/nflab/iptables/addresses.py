"""Addresses, masks, protocols and interface names of the generic rule part.

Mirrors libxtables' ``xtables_ipparse_multiple``, ``xtables_parse_protocol``
and ``xtables_parse_interface`` and the printing helpers of ``xshared.c``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from ipaddress import IPv4Address

from .cnum import strtoui, xtables_strtoul
from .errors import ParameterProblem
from .names import Names

# ``xtables_chain_protos``: names iptables knows without /etc/protocols
CHAIN_PROTOS: tuple[tuple[str, int], ...] = (
    ("tcp", 6),
    ("sctp", 132),
    ("udp", 17),
    ("udplite", 136),
    ("icmp", 1),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("esp", 50),
    ("ah", 51),
    ("mobility-header", 135),
    ("ipv6-mh", 135),
    ("mh", 135),
    ("all", 0),
)


def parse_ipv4_literal(text: str, numeric_only: bool = False) -> IPv4Address | None:
    """``__numeric_to_ipaddr``: dotted quads, a short form ``10.1`` completes with zeros
    (not for masks, ``numeric_only``)."""
    parts = text[:19].split(".")
    if len(parts) > 4:
        # strchr-based parsing reads only four components; the fourth must then be a number
        return None
    if len(parts) < 4 and numeric_only:
        return None
    octets = []
    for part in parts:
        v = strtoui(part, 0, 255)
        if v is None:
            return None
        octets.append(v)
    octets += [0] * (4 - len(octets))
    return IPv4Address(bytes(octets))


def prefix_of(mask: int) -> int | None:
    """The prefix length of a contiguous mask, None for a non-contiguous one."""
    inverted = ~mask & 0xFFFFFFFF
    if inverted & (inverted + 1):
        return None
    return 32 - inverted.bit_length()


def inet_aton(text: str) -> IPv4Address | None:
    """glibc ``inet_aton`` (what ``getaddrinfo(AI_NUMERICHOST)`` accepts for AF_INET):
    1 to 4 numbers in C notation, the last one filling the remaining bytes (``33`` is
    ``0.0.0.33``, ``10.1`` is ``10.0.0.1``)."""
    from .cnum import strtoumax

    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        if not part or not part[0].isdigit():
            return None
        v, end, _ = strtoumax(part, 0)
        if v is None or end != len(part):
            return None
        values.append(v)
    *head, last = values
    if any(v > 255 for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for i, v in enumerate(head):
        number |= v << (8 * (3 - i))
    return IPv4Address(number)


def mask_suffix(mask: int) -> str:
    """``xtables_ipmask_to_numeric``: ``""`` for /32, ``/N``, or ``/a.b.c.d`` when not contiguous."""
    plen = prefix_of(mask)
    if plen is None:
        return f"/{IPv4Address(mask)}"
    return "" if plen == 32 else f"/{plen}"


def plen_mask(plen: int) -> int:
    """The netmask of a prefix length (``XTTYPE_PLENMASK``); out of range stays all ones."""
    if not 0 <= plen <= 32:
        return 0xFFFFFFFF
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF


_PREFIXES = {(0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF if n else 0: n for n in range(33)}


@dataclass(frozen=True, slots=True)
class Net:
    """An address with its mask, host bits cleared (what the kernel stores)."""

    addr: IPv4Address
    mask: int

    @property
    def is_any(self) -> bool:
        return self.mask == 0 and int(self.addr) == 0

    def contains(self, ip: int) -> bool:
        return ip & self.mask == int(self.addr)

    def save_text(self) -> str:
        """``save_ipv4_addr``: ``addr/len``, a non-contiguous mask stays dotted."""
        plen = _PREFIXES.get(self.mask)
        n = int(self.addr)
        addr = f"{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"  # str(IPv4Address), faster
        if plen is None:
            return f"{addr}/{IPv4Address(self.mask)}"
        return f"{addr}/{plen}"

    def list_text(self, numeric: bool, names: Names) -> str:
        """``ipv4_addr_to_string`` + mask: ``anywhere`` / ``0.0.0.0/0``; hosts drop ``/32``."""
        if self.mask == 0:
            return "0.0.0.0/0" if numeric else "anywhere"
        if numeric:
            host = str(self.addr)
        else:
            host = names.address_name(self.addr) or str(self.addr)
        if self.mask == 0xFFFFFFFF:
            return host
        plen = prefix_of(self.mask)
        suffix = str(plen) if plen is not None else str(IPv4Address(self.mask))
        return f"{host}/{suffix}"


ANY = Net(IPv4Address(0), 0)


def _parse_mask(text: str | None) -> int:
    if text is None:
        return 0xFFFFFFFF
    dotted = parse_ipv4_literal(text, numeric_only=True)
    if dotted is not None:
        return int(dotted)
    bits = strtoui(text, 0, 32)
    if bits is None:
        raise ParameterProblem(f"invalid mask `{text}' specified")
    return (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0


# One address in canonical dotted decimal (octets 0-255 without leading zeros) with an
# optional decimal prefix length 0-32: what the general parse below gives for it can be
# computed directly.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PLAIN_ADDRESS = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/(3[0-2]|[12]?[0-9]))?")
_PLEN_MASKS = {None: 0xFFFFFFFF} | {str(n): plen_mask(n) for n in range(33)}


def _plain_address(text: str) -> Net | None:
    found = _PLAIN_ADDRESS.fullmatch(text)
    if found is None:
        return None
    a, b, c, d, plen = found.groups()
    mask = _PLEN_MASKS[plen]
    return Net(IPv4Address((int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)) & mask), mask)


def parse_address_list(text: str, names: Names) -> list[Net]:
    """``xtables_ipparse_multiple``: ``a[/m][,b[/m]...]``, names resolved, host bits masked."""
    plain = _plain_address(text)
    if plain is not None:
        return [plain]
    out: list[Net] = []
    for item in text.split(","):
        item = item.lstrip()
        if len(item) > 255:
            raise ParameterProblem("Hostname too long")
        host, slash, mask_s = item.rpartition("/")
        if not slash:
            host, mask_s = item, ""
        mask = _parse_mask(mask_s if slash else None)
        if mask == 0:
            host = "0.0.0.0"  # "any/0": the name is ignored
        for addr in _resolve(host, names):
            out.append(Net(IPv4Address(int(addr) & mask), mask))
    return out


def single_address(text: str, names: Names) -> Net | None:
    """The address ``-s``/``-d`` ``text`` gives when it gives exactly one; None when it gives
    several or is not valid (then the full parse says why)."""
    plain = _plain_address(text)
    if plain is not None:
        return plain
    try:
        found = parse_address_list(text, names)
    except ParameterProblem:
        return None
    return found[0] if len(found) == 1 else None


def _resolve(host: str, names: Names) -> list[IPv4Address]:
    literal = parse_ipv4_literal(host)
    if literal is not None:
        return [literal]
    found = names.host_addresses(host)
    if not found:
        raise ParameterProblem(f"host/network `{host}' not found")
    return found


def parse_protocol(text: str, names: Names) -> int:
    """``xtables_parse_protocol``: a number 0-255, a built-in name, or /etc/protocols."""
    v = strtoui(text, 0, 255)
    if v is not None:
        return v
    for name, num in CHAIN_PROTOS:
        if name == text:
            return num
    found = names.proto_by_name(text)
    if found is not None:
        return found
    raise ParameterProblem(f'unknown protocol "{text}" specified')


def proto_name(number: int, names: Names, nolookup: bool = False) -> str | None:
    """``proto_to_name``: the built-in names first, then /etc/protocols."""
    for name, num in CHAIN_PROTOS:
        if num == number:
            return name
    if number and not nolookup:
        return names.proto_name(number)
    return None


IFNAMSIZ = 16


def parse_interface(text: str) -> str:
    """``xtables_parse_interface``: at most 15 characters; ``+`` is a wildcard suffix."""
    if len(text.encode()) + 1 > IFNAMSIZ:
        raise ParameterProblem(
            f"interface name `{text}' must be shorter than IFNAMSIZ ({IFNAMSIZ - 1})"
        )
    return text


def interface_matches(pattern: str, name: str) -> bool:
    if pattern.endswith("+"):
        return name.startswith(pattern[:-1])
    return name == pattern


def ipv4(text: str) -> IPv4Address:
    return ipaddress.IPv4Address(text)


def parse_uint(text: str, lo: int, hi: int) -> int | None:
    value, _ = xtables_strtoul(text, lo, hi)
    return value
