"""What the ``ip`` objects share: the argument cursor, iproute2's error wording, names.

iproute2 reports its own argument errors (``Error: argument "X" is wrong:
...`` and exits 255), and the kernel's refusals as ``Error: MSG.`` when the
kernel explains itself (extended ack) or ``RTNETLINK answers: STRERROR``
(exit status 2). :class:`IpExit` carries a status out of the parsing code
the way ``exit()`` does in C.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from ...stack.links import NetnsError
from ...stack.netns import Netns
from ..base import Io
from ..system import NotSimulated, System

ERRNO = {
    "EEXIST": 17, "ENODEV": 19, "EINVAL": 22, "EOPNOTSUPP": 95, "ENETDOWN": 100,
    "ESRCH": 3, "EADDRNOTAVAIL": 99, "ELOOP": 40, "ENETUNREACH": 101, "ENOENT": 2,
    "EBUSY": 16, "EPERM": 1, "EHOSTUNREACH": 113, "EACCES": 13,
}  # fmt: skip

SCOPES = {"global": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
PROTOS = {
    "unspec": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4, "gated": 8, "ra": 9,
    "mrt": 10, "zebra": 11, "bird": 12, "dnrouted": 13, "xorp": 14, "ntk": 15, "dhcp": 16,
    "keepalived": 18, "babel": 42, "openr": 99, "bgp": 186, "isis": 187, "ospf": 188,
    "rip": 189, "eigrp": 192,
}  # fmt: skip
ROUTE_TYPES = (
    "unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
    "unreachable", "prohibit", "throw", "nat", "xresolve",
)  # fmt: skip
TABLES = {"default": 253, "main": 254, "local": 255}


class IpExit(Exception):
    """``exit(status)`` from deep inside the parsing."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status & 0xFF


def matches(word: str, full: str) -> bool:
    """iproute2's ``matches()`` (inverted): ``word`` is a non-empty prefix of ``full``."""
    return bool(word) and full.startswith(word)


@dataclass
class Ip:
    """One run of ``ip``: its I/O, the machine, the global options."""

    io: Io
    system: System
    family: str = ""  # "", inet, inet6, link
    brief: bool = False
    oneline: bool = False
    details: int = 0
    stats: int = 0
    do_all: bool = False

    # -- the machine -------------------------------------------------------------------

    @property
    def netns(self) -> Netns:
        return self.system.ns.netns  # type: ignore[attr-defined]

    @property
    def machine(self) -> Any:
        return self.system.machine  # type: ignore[attr-defined]

    @property
    def now(self) -> float:
        return float(self.machine.scheduler.now)

    def resolve(self, ns_id: int) -> Netns | None:
        resolved: Netns | None = self.machine.network.resolve(ns_id)
        return resolved

    # -- messages --------------------------------------------------------------------

    def err(self, text: str) -> None:
        self.io.flush()
        self.io.err(text)

    def fail(self, text: str, status: int = 255) -> IpExit:
        """Print ``text`` (a line) to stderr; the exception to raise."""
        self.err(text + "\n")
        return IpExit(status)

    def invarg(self, msg: str, arg: str) -> IpExit:
        return self.fail(f'Error: argument "{arg}" is wrong: {msg}')

    def duparg(self, key: str, arg: str) -> IpExit:
        return self.fail(f'Error: duplicate "{key}": "{arg}" is the second value.')

    def duparg2(self, key: str, arg: str) -> IpExit:
        return self.fail(f'Error: either "{key}" is duplicate, or "{arg}" is a garbage.')

    def nodev(self, dev: str) -> IpExit:
        return self.fail(f'Cannot find device "{dev}"', 1)

    def kernel_error(self, error: NetnsError) -> IpExit:
        """``rtnl_talk`` failing: the extended ack, else ``perror("RTNETLINK answers")``."""
        if error.message:
            dot = "" if error.message.endswith(".") else "."
            return self.fail(f"Error: {error.message}{dot}", 2)
        return self.fail(f"RTNETLINK answers: {os.strerror(ERRNO[error.errno])}", 2)

    # -- parsing -------------------------------------------------------------------------

    def _family_words(self) -> str:
        return {"": "any valid"}.get(self.family, self.family)

    def _parse(self, text: str) -> IPv4Address | None | bool:
        """``get_addr_1``: an address, None for ``default``/``any``/``all``, False if bad."""
        if text in ("default", "any", "all"):
            return None
        if ":" in text:
            if self.family in ("", "inet6"):
                raise NotSimulated("IPv6 addresses in ip")
            return False
        if self.family not in ("", "inet"):
            return False
        value = parse_ipv4(text)
        return False if value is None else value

    def get_addr(self, text: str) -> IPv4Address | None:
        """``get_addr``: an IPv4 address (iproute2's lenient dotted form), None for
        ``default``/``any``/``all``; anything else is fatal."""
        value = self._parse(text)
        if value is False:
            raise self.fail(f'Error: {self._family_words()} address is expected rather than "{text}".', 1)
        assert not isinstance(value, bool)
        return value

    def get_prefix(self, text: str) -> tuple[IPv4Network, bool]:
        """``get_prefix``: the prefix and whether its length was given (``default`` is /0)."""
        base, slash, length = text.partition("/")
        value = self._parse(base)
        plen = parse_netmask(length) if slash else None
        if value is False or (slash and (value is None or plen is None)):
            raise self.fail(f'Error: {self._family_words()} prefix is expected rather than "{text}".', 1)
        if value is None or isinstance(value, bool):
            return IPv4Network("0.0.0.0/0"), base == "default"
        if plen is None:
            return IPv4Network(value), False
        return IPv4Network(f"{value}/{plen}", strict=False), True

    def address_with_length(self, text: str) -> tuple[IPv4Address, int, bool]:
        """``get_prefix`` keeping the host part: (address, length, length given)."""
        network, given = self.get_prefix(text)
        base = text.partition("/")[0]
        value = self._parse(base)
        address = value if isinstance(value, IPv4Address) else network.network_address
        return address, network.prefixlen, given


class Args:
    """``argc``/``argv`` with iproute2's ``NEXT_ARG``."""

    def __init__(self, ip: Ip, words: Sequence[str]):
        self.ip = ip
        self.words = list(words)
        self.i = 0

    def __bool__(self) -> bool:
        return self.i < len(self.words)

    @property
    def cur(self) -> str:
        return self.words[self.i]

    def next(self) -> str:
        """``NEXT_ARG``: the following word, or "Command line is not complete"."""
        self.i += 1
        if self.i >= len(self.words):
            raise self.ip.fail('Command line is not complete. Try option "help"')
        return self.words[self.i]

    def advance(self) -> None:
        self.i += 1

    @property
    def rest(self) -> list[str]:
        return self.words[self.i :]


def parse_ipv4(text: str) -> IPv4Address | None:
    """``get_addr_ipv4``: one to four ``strtoul`` parts (base 0), missing ones zero."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    octets = []
    for part in parts:
        if not re.fullmatch(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*", part):
            return None
        value = int(part, 0)
        if value > 255:
            return None
        octets.append(value)
    octets += [0] * (4 - len(octets))
    return IPv4Address(".".join(map(str, octets)))


def parse_netmask(text: str) -> int | None:
    """``get_netmask``: a prefix length, or a dotted mask with contiguous ones."""
    if re.fullmatch(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*", text):
        value = int(text, 0)
        return value if value <= 32 else None
    mask = parse_ipv4(text)
    if mask is None or "." not in text:
        return None
    bits = f"{int(mask):032b}"
    return None if "01" in bits else bits.count("1")


def scope_name(scope: str | int) -> str:
    if isinstance(scope, str):
        return scope
    names = {v: k for k, v in SCOPES.items()}
    return names.get(scope, str(scope))


def parse_scope(text: str) -> str | None:
    """``rtnl_rtscope_a2n``: a name or a number."""
    if text in SCOPES:
        return text
    if re.fullmatch(r"\d+", text) and int(text) < 256:
        return scope_name(int(text))
    return None


def parse_table(text: str) -> str | None:
    """``rtnl_rttable_a2n``: ``main``, ``local``, ``default`` or a number (as our name)."""
    if text in TABLES:
        return text
    if re.fullmatch(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*", text):
        number = int(text, 0)
        if number >= 2**32:
            return None
        return {v: k for k, v in TABLES.items()}.get(number, str(number))
    return None


def table_number(name: str) -> int:
    return TABLES.get(name, int(name) if name.isdigit() else 0)
