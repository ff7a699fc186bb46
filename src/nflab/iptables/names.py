"""Name lookups the way glibc answers iptables: /etc/services, /etc/protocols, /etc/hosts.

Each simulated machine has its own files; a :class:`Names` is built from
their texts (no I/O here). The defaults are Debian 12's netbase files.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


def _data(name: str) -> str:
    return resources.files("nflab").joinpath("data", name).read_text()


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    port: int
    proto: str


def _parse_services(text: str) -> tuple[Service, ...]:
    out: list[Service] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2 or "/" not in words[1]:
            continue
        port_s, _, proto = words[1].partition("/")
        if not port_s.isdigit():
            continue
        for name in [words[0], *words[2:]]:
            out.append(Service(name, int(port_s), proto))
    return tuple(out)


def _parse_protocols(text: str) -> tuple[tuple[str, int], ...]:
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2 or not words[1].isdigit():
            continue
        for name in [words[0], *words[2:]]:
            out.append((name, int(words[1])))
    return tuple(out)


def _parse_hosts(text: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        for name in words[1:]:
            out.append((name, words[0]))
    return tuple(out)


DEBIAN_HOSTS = """127.0.0.1\tlocalhost
::1\t\tlocalhost ip6-localhost ip6-loopback
ff02::1\t\tip6-allnodes
ff02::2\t\tip6-allrouters
"""


@dataclass(frozen=True)
class Names:
    """The resolver of one machine: built from its files' texts."""

    services_text: str = field(default_factory=lambda: _data("services"))
    protocols_text: str = field(default_factory=lambda: _data("protocols"))
    hosts_text: str = DEBIAN_HOSTS

    # -- services (getservbyname / getservbyport, first entry wins like glibc) --
    def port_by_name(self, name: str, proto: str | None = None) -> int | None:
        return _service_index(self.services_text)[0].get((name, proto or ""))

    def service_name(self, port: int, proto: str) -> str | None:
        return _service_index(self.services_text)[1].get((port, proto))

    # -- protocols --
    def proto_by_name(self, name: str) -> int | None:
        return _proto_index(self.protocols_text)[0].get(name)

    def proto_name(self, number: int) -> str | None:
        return _proto_index(self.protocols_text)[1].get(number)

    # -- hosts (IPv4 only: iptables resolves with AF_INET) --
    def host_addresses(self, name: str) -> list[ipaddress.IPv4Address]:
        result: list[ipaddress.IPv4Address] = []
        for host, addr in _parse_hosts(self.hosts_text):
            if host != name:
                continue
            try:
                ip = ipaddress.ip_address(addr)
            except ValueError:
                continue
            if isinstance(ip, ipaddress.IPv4Address) and ip not in result:
                result.append(ip)
        return result

    def host_name(self, addr: ipaddress.IPv4Address) -> str | None:
        """Reverse lookup: the first name /etc/hosts gives this address."""
        text = str(addr)
        for host, a in _parse_hosts(self.hosts_text):
            if a == text:
                return host
        return None


@cache
def _service_index(text: str) -> tuple[dict[tuple[str, str], int], dict[tuple[int, str], str]]:
    by_name: dict[tuple[str, str], int] = {}
    by_port: dict[tuple[int, str], str] = {}
    for s in _parse_services(text):
        by_name.setdefault((s.name, s.proto), s.port)
        by_name.setdefault((s.name, ""), s.port)
        if s.name == s.name and (s.port, s.proto) not in by_port:
            by_port[(s.port, s.proto)] = s.name
    return by_name, by_port


@cache
def _proto_index(text: str) -> tuple[dict[str, int], dict[int, str]]:
    by_name: dict[str, int] = {}
    by_num: dict[int, str] = {}
    for name, num in _parse_protocols(text):
        by_name.setdefault(name, num)
        by_num.setdefault(num, name)
    return by_name, by_num


DEFAULT_NAMES = Names()
