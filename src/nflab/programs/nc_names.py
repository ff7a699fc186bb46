"""What netcat asks the C library about names: ``getaddrinfo``, ``getnameinfo``, ports.

Host names come from the machine's ``/etc/hosts`` (:mod:`.resolver`; a name
it does not know fails with ``EAI_AGAIN``, the lab's DNS server being
absent). Numeric hosts follow glibc: ``inet_aton`` forms for IPv4 (``127.1``),
``inet_pton`` for IPv6, a literal of the other family than the one asked is
``EAI_ADDRFAMILY``, a name under ``AI_NUMERICHOST`` (``nc -n``) is
``EAI_NONAME``. Services are numbers (``strtoul``, taken modulo 2^16 as
``htons`` does) or ``/etc/services`` names of the socket type's protocol.
Port operands go through netcat's own ``strtoport``/``build_ports``
(libbsd's ``strtonum`` and its ``invalid``/``too small``/``too large``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from ..stack.sockets import AF_INET, AF_INET6, AF_UNSPEC
from .resolver import EAI_AGAIN_TEXT, inet_aton, lookup, reverse
from .system import System

EAI_NONAME_TEXT = "Name or service not known"
EAI_SERVICE_TEXT = "Servname not supported for ai_socktype"
EAI_ADDRFAMILY_TEXT = "Address family for hostname not supported"
PORT_MAX = 65535

IPAddress = IPv4Address | IPv6Address
_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)")


class GaiError(Exception):
    """A ``getaddrinfo``/``getnameinfo`` failure; ``str()`` is ``gai_strerror``'s text."""


class BadNumber(Exception):
    """``strtonum`` refused a number: ``errstr`` is ``invalid``, ``too small`` or ``too large``."""

    def __init__(self, errstr: str):
        super().__init__(errstr)
        self.errstr = errstr


@dataclass(frozen=True, slots=True)
class AddrInfo:
    family: int
    address: IPAddress
    port: int

    @property
    def sockaddr(self) -> tuple[str, int] | tuple[str, int, int, int]:
        """The address as a socket call takes it."""
        if self.family == AF_INET6:
            return (str(self.address), self.port, 0, 0)
        return (str(self.address), self.port)


def family_of(addr: IPAddress) -> int:
    return AF_INET6 if isinstance(addr, IPv6Address) else AF_INET


def numeric_host(addr: IPAddress) -> str:
    """``getnameinfo(NI_NUMERICHOST)``: ``inet_ntop``'s text (mapped IPv4 stays dotted)."""
    if isinstance(addr, IPv6Address) and addr.ipv4_mapped is not None:
        return f"::ffff:{addr.ipv4_mapped}"
    return str(addr)


def strtonum(text: str, low: int, high: int) -> int:
    """libbsd's ``strtonum``: a decimal ``long long`` within ``[low, high]``."""
    match = _STRTOL.fullmatch(text)
    if match is None:
        raise BadNumber("invalid")
    value = int(match.group(1))
    if value < low:
        raise BadNumber("too small")
    if value > high:
        raise BadNumber("too large")
    return value


def service_port(system: System, service: str | None, proto: str) -> int:
    """The port of a ``getaddrinfo`` service argument."""
    if service is None:
        return 0
    match = _STRTOL.fullmatch(service)
    if match is not None or service == "":  # strtoul, then the port truncated by htons
        return int(match.group(1)) % 65536 if match is not None else 0
    port = system.names.port_by_name(service, proto)
    if port is None:
        raise GaiError(EAI_SERVICE_TEXT)
    return port


def _literal(host: str) -> IPAddress | None:
    v4 = inet_aton(host)
    if v4 is not None:
        return v4
    try:
        return IPv6Address(host)
    except ValueError:
        return None


def getaddrinfo(
    system: System,
    host: str | None,
    service: str | None,
    family: int = AF_UNSPEC,
    proto: str = "tcp",
    numeric: bool = False,
    passive: bool = False,
) -> list[AddrInfo]:
    """The addresses to try, in glibc's order (``::1`` before ``127.0.0.1``)."""
    port = service_port(system, service, proto)
    if host is None:
        v6: IPAddress = IPv6Address(0 if passive else 1)
        v4: IPAddress = IPv4Address(0 if passive else 0x7F000001)
        wanted = {AF_INET: [v4], AF_INET6: [v6]}.get(family, [v6, v4])
        return [AddrInfo(family_of(a), a, port) for a in wanted]
    literal = _literal(host)
    if literal is not None:
        if family not in (AF_UNSPEC, family_of(literal)):
            raise GaiError(EAI_ADDRFAMILY_TEXT)
        return [AddrInfo(family_of(literal), literal, port)]
    if numeric:
        raise GaiError(EAI_NONAME_TEXT)
    answer = lookup(system, host, family)
    if answer is None:
        raise GaiError(EAI_AGAIN_TEXT)
    return [AddrInfo(family_of(a), a, port) for a in answer.addresses]


def getnameinfo(system: System, addr: IPAddress, numeric: bool) -> str:
    """The host part of ``getnameinfo``: ``/etc/hosts``, else the DNS that is not there."""
    if numeric:
        return numeric_host(addr)
    if isinstance(addr, IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # glibc looks a mapped address up as IPv4
    name = reverse(system, addr)
    if name is None:
        raise GaiError(EAI_AGAIN_TEXT)
    return name


def strtoport(text: str) -> int:
    """netcat's ``strtoport``: 1-65535 (its service fallback is never reached with libbsd)."""
    try:
        return strtonum(text, 1, PORT_MAX)
    except BadNumber as bad:
        raise PortError(f"port number {bad.errstr}: {text}") from None


class PortError(Exception):
    """A port operand netcat refuses (the text after ``nc: ``)."""


def build_ports(system: System, operands: Sequence[str], proto: str) -> list[int]:
    """``build_ports``: service names, ``lo-hi`` ranges (either order) and numbers."""
    ports: list[int] = []
    for word in operands:
        named = system.names.port_by_name(word, proto)
        if named is not None:
            ports.append(named)
        elif word[:1].isdigit() and word[:1].isascii() and "-" in word:
            low_text, _, high_text = word.partition("-")
            high = strtoport(high_text)  # the high end is checked first
            low = strtoport(low_text)
            low, high = min(low, high), max(low, high)
            ports.extend(range(low, high + 1))
        else:
            ports.append(strtoport(word))
    return ports
