"""Host names as glibc's resolver answers them on a lab machine: ``/etc/hosts`` only.

The machines have no DNS server: the kernel runner's ``/etc/resolv.conf``
names ``127.0.0.1``, where nothing listens, so every name that is not in
``/etc/hosts`` fails with ``EAI_AGAIN`` ("Temporary failure in name
resolution"), as it does in the simulated world (glibc's default server is
the same ``127.0.0.1`` when the file is missing), once the queries glibc
sends there were refused or timed out (:mod:`.dns_stub`).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address

from ..iptables.names import ipv4_of_hosts_line
from ..lab.files import FsError
from .dns_stub import ask_name
from .system import System

EAI_AGAIN_TEXT = "Temporary failure in name resolution"

IPAddress = IPv4Address | IPv6Address


@dataclass(frozen=True, slots=True)
class HostAnswer:
    """What ``getaddrinfo`` found: the canonical name (``AI_CANONNAME``) and the addresses."""

    canonical: str
    addresses: tuple[IPAddress, ...]

    @property
    def ipv4(self) -> tuple[IPv4Address, ...]:
        return tuple(a for a in self.addresses if isinstance(a, IPv4Address))


def inet_aton(text: str) -> IPv4Address | None:
    """glibc's ``inet_aton``: ``a.b.c.d`` and the short and octal/hex forms (``127.1``, ``0``)."""
    if not text or any(c.isspace() for c in text):
        return None
    try:
        return IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _hosts_lines(system: System) -> list[tuple[str, list[str]]]:
    try:
        text = system.fs.read("/etc/hosts")
    except FsError:
        return []
    lines: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2:
            lines.append((words[0], words[1:]))
    return lines


def lookup(system: System, name: str, family: int = socket.AF_UNSPEC) -> HostAnswer | None:
    """``getaddrinfo(name)`` through ``files``: every matching line (glibc's ``multi on``),
    the canonical name of the first; a numeric IPv4 address answers for itself."""
    numeric = inet_aton(name)
    if numeric is not None and family != socket.AF_INET6:
        return HostAnswer(name, (numeric,))
    if ":" in name:
        try:
            v6 = ip_address(name)
        except ValueError:
            return None
        return HostAnswer(name, (v6,)) if family != socket.AF_INET else None
    canonical = ""
    mapped = False
    found: list[IPAddress] = []
    for text, names in _hosts_lines(system):
        if name.lower() not in (n.lower() for n in names):
            continue
        addr: IPAddress | None
        if family == socket.AF_INET:
            # every line, an IPv6 loopback read as 127.0.0.1 (``files-hosts.c``); a name
            # that gets an address this way comes back without a canonical name
            # (measured: ``ping -4 localhost`` prints ``PING  (127.0.0.1)``)
            addr = ipv4_of_hosts_line(text)
            if addr is None:
                continue
            mapped = mapped or ":" in text
            canonical = canonical or names[0]
            found.append(addr)
            continue
        try:
            addr = ip_address(text)
        except ValueError:
            continue
        if family == socket.AF_INET6 and addr.version != 6:
            continue
        canonical = canonical or names[0]
        if addr not in found:
            found.append(addr)
    if not found:
        ask_name(system, name, family)  # ``dns`` after ``files``: queries nobody answers
        return None
    if mapped:
        canonical = ""
    # RFC 3484 sorting: ::1 (and any IPv6 address the lab can reach, i.e. ::1 on lo)
    # comes before IPv4, as ``localhost`` shows
    found.sort(key=lambda a: 0 if a == IPv6Address(1) else 1)
    return HostAnswer(canonical, tuple(found))


def reverse(system: System, addr: IPAddress) -> str | None:
    """``getnameinfo`` with ``NI_NAMEREQD``: the first ``/etc/hosts`` name of the address."""
    for text, names in _hosts_lines(system):
        try:
            if ip_address(text) == addr:
                return names[0]
        except ValueError:
            continue
    return None
