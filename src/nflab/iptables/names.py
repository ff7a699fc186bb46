"""Name lookups the way glibc answers iptables: /etc/services, /etc/protocols, /etc/hosts.

Each simulated machine has its own files; a :class:`Names` is built from
their texts (no I/O here). The defaults are Debian 12's netbase files.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, fields
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


def ipv4_of_hosts_line(text: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address an /etc/hosts line gives an AF_INET lookup, None for none."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ipaddress.IPv4Address("127.0.0.1") if ip == ipaddress.IPv6Address(1) else None


DEBIAN_HOSTS = """127.0.0.1\tlocalhost
::1\t\tlocalhost ip6-localhost ip6-loopback
ff02::1\t\tip6-allnodes
ff02::2\t\tip6-allrouters
"""


# /etc/networks as Debian 12's netbase installs it
DEBIAN_NETWORKS = "default\t\t0.0.0.0\nloopback\t127.0.0.0\nlink-local\t169.254.0.0\n"


@cache
def _parse_networks(text: str) -> tuple[tuple[str, int], ...]:
    """``NAME NUMBER [ALIASES]`` lines; the number as ``inet_network`` reads it (``10.1`` is
    0x0a01, so only full dotted quads equal an address)."""
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        try:
            parts = [int(p, 0) for p in words[1].split(".")]
        except ValueError:
            continue
        if not 1 <= len(parts) <= 4 or any(not 0 <= p <= 255 for p in parts):
            continue
        number = 0
        for part in parts:
            number = number << 8 | part
        for name in [words[0], *words[2:]]:
            out.append((name, number))
    return tuple(out)


# Debian 12's /etc/iproute2/rt_realms has one active line
DEBIAN_RT_REALMS = "#\n# reserved values\n#\n0\tcosmos\n"
DEBIAN_DEVGROUPS = "# device group names\n0\tdefault\n"


@cache
def parse_lmap(text: str) -> tuple[tuple[int, str], ...]:
    """``xtables_lmap_init``: ``ID NAME`` lines (decimal or ``0x`` hex, 0-255), ``#`` comments."""
    out: list[tuple[int, str]] = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#") or len(words) < 2 or words[1].startswith("#"):
            continue
        base = 16 if words[0].startswith("0x") else 10
        try:
            ident = int(words[0][2:] if base == 16 else words[0], base)
        except ValueError:
            continue
        if 0 <= ident <= 255:
            out.append((ident, words[1]))
    return tuple(out)


@dataclass(frozen=True)
class Names:
    """The resolver of one machine: built from its files' texts."""

    services_text: str = field(default_factory=lambda: _data("services"))
    protocols_text: str = field(default_factory=lambda: _data("protocols"))
    hosts_text: str = DEBIAN_HOSTS
    passwd_text: str = field(default_factory=lambda: _data("passwd"))
    group_text: str = field(default_factory=lambda: _data("group"))
    rt_realms_text: str = DEBIAN_RT_REALMS  # /etc/iproute2/rt_realms (``-m realm``)
    networks_text: str = DEBIAN_NETWORKS  # /etc/networks (getnetbyaddr)
    devgroups_text: str = DEBIAN_DEVGROUPS  # /etc/iproute2/group (``-m devgroup``)

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
        """``getaddrinfo`` with AF_INET through /etc/hosts, as iptables asks it: every line
        naming the host (``multi on``, duplicates kept), an IPv6 loopback or v4-mapped line
        read as IPv4 (``files-hosts.c``): ``localhost`` is 127.0.0.1 twice on Debian."""
        result: list[ipaddress.IPv4Address] = []
        for host, addr in _parse_hosts(self.hosts_text):
            if host.lower() != name.lower():
                continue
            found = ipv4_of_hosts_line(addr)
            if found is not None:
                result.append(found)
        return result

    def host_name(self, addr: ipaddress.IPv4Address) -> str | None:
        """Reverse lookup: the first name /etc/hosts gives this address."""
        text = str(addr)
        for host, a in _parse_hosts(self.hosts_text):
            if a == text:
                return host
        return None

    def network_name(self, addr: ipaddress.IPv4Address) -> str | None:
        """``getnetbyaddr``: the first /etc/networks entry whose number is this address."""
        for name, number in _parse_networks(self.networks_text):
            if number == int(addr):
                return name
        return None

    @property
    def lookup_failure(self) -> str:
        """``gai_strerror`` of a name nothing knows: without DNS, EAI_NONAME."""
        return "Name or service not known"

    def address_name(self, addr: ipaddress.IPv4Address) -> str | None:
        """``xtables_ipaddr_to_anyname``: a host name, else a network name."""
        return self.host_name(addr) or self.network_name(addr)

    # -- iproute2 maps (``xtables_lmap``: the first line of a name or id wins) --
    def realms(self) -> tuple[tuple[int, str], ...]:
        return parse_lmap(self.rt_realms_text)

    def devgroups(self) -> tuple[tuple[int, str], ...]:
        return parse_lmap(self.devgroups_text)

    # -- users and groups (getpwnam / getpwuid / getgrnam / getgrgid: first entry wins) --
    def user_id(self, name: str) -> int | None:
        return _id_index(self.passwd_text)[0].get(name)

    def user_name(self, uid: int) -> str | None:
        return _id_index(self.passwd_text)[1].get(uid)

    def group_id(self, name: str) -> int | None:
        return _id_index(self.group_text)[0].get(name)

    def group_name(self, gid: int) -> str | None:
        return _id_index(self.group_text)[1].get(gid)


@dataclass(frozen=True)
class AskingNames(Names):
    """A machine's resolver as ``hosts: files dns`` makes it: a host name or address that
    the files do not know is asked of DNS too (``ask_name``/``ask_address``: the machine
    sends the queries, which nobody answers), then the lookup fails as before."""

    ask_name: Callable[[str], None] = field(default=lambda name: None, compare=False, repr=False)
    ask_address: Callable[[ipaddress.IPv4Address], None] = field(
        default=lambda addr: None, compare=False, repr=False
    )

    @classmethod
    def of(cls, names: Names, ask_name: Callable[[str], None],
           ask_address: Callable[[ipaddress.IPv4Address], None]) -> AskingNames:
        texts = {f.name: getattr(names, f.name) for f in fields(Names)}
        return cls(**texts, ask_name=ask_name, ask_address=ask_address)

    def host_addresses(self, name: str) -> list[ipaddress.IPv4Address]:
        found = super().host_addresses(name)
        if not found:
            self.ask_name(name)
        return found

    def host_name(self, addr: ipaddress.IPv4Address) -> str | None:
        found = super().host_name(addr)
        if found is None:
            self.ask_address(addr)
        return found

    @property
    def lookup_failure(self) -> str:
        """The DNS server gave no answer (refused, or none in time): EAI_AGAIN."""
        return "Temporary failure in name resolution"


@cache
def _id_index(text: str) -> tuple[dict[str, int], dict[int, str]]:
    """``name:x:ID:...`` lines of /etc/passwd or /etc/group, both ways."""
    by_name: dict[str, int] = {}
    by_id: dict[int, str] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) < 3 or not fields[2].isdigit():
            continue
        by_name.setdefault(fields[0], int(fields[2]))
        by_id.setdefault(int(fields[2]), fields[0])
    return by_name, by_id


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
