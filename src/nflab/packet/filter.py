"""tcpdump filter expressions (pcap-filter(7), libpcap 1.10) compiled into a frame predicate.

The part labs use: ``tcp``, ``udp``, ``icmp``, ``icmp6``, ``arp``, ``rarp``,
``ip``, ``ip6``, ``sctp``; ``[PROTO] [src|dst|src or dst|src and dst]
host|net|port|portrange ID``; ``[ip|ip6] proto N``; ``less N``, ``greater N``;
``and``/``&&``, ``or``/``||``, ``not``/``!`` and parentheses. As in libpcap,
``and`` and ``or`` have the same precedence and group left to right, ``not``
binds tightest, and a bare ID takes the qualifiers of the primitive before
it (``host 10.0.0.1 or 10.0.0.2``, ``tcp port 80 or 443``).

Errors raise ``FilterError`` with libpcap's message (tcpdump prints
``tcpdump: MESSAGE`` and exits 1); byte expressions such as ``tcp[13]`` raise
``UnsupportedFilter``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from .filter_match import (
    Predicate,
    all_of,
    any_of,
    ethertype_is,
    frame_length,
    host_is,
    in_net,
    l4_proto_is,
    negate,
    port_in,
)

SYNTAX_ERROR = "can't parse filter expression: syntax error"
PROTOCOLS = {"ether": None, "ip": 0x0800, "ip6": 0x86DD, "arp": 0x0806, "rarp": 0x8035,
             "tcp": 6, "udp": 17, "icmp": 1, "icmp6": 58, "sctp": 132}
_TRANSPORTS = ("tcp", "udp", "sctp")
_TYPES = ("host", "net", "port", "portrange")
_KEYWORDS = frozenset({*PROTOCOLS, *_TYPES, "src", "dst", "and", "or", "not", "proto", "less",
                       "greater", "mask"})
_TOKEN = re.compile(r"\s*(&&|\|\||[()!]|[^\s()!&|]+)")
_OPERATORS = frozenset({"(", ")", "!", "&&", "||"})
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|[0-9]+")
Services = Callable[[str, str], int | None]  # (name, "tcp"/"udp"/"sctp") -> port


class FilterError(ValueError):
    """A filter libpcap refuses; the text is its message."""


class UnsupportedFilter(FilterError):
    """Valid for libpcap, beyond what nflab reproduces."""


@dataclass(frozen=True, slots=True)
class _Quals:
    proto: str | None = None
    dir: str = "src or dst"
    type: str = "host"


def compile_filter(expression: str, services: Services | None = None) -> Predicate:
    """The predicate of ``expression`` over ``ethernet.Frame`` values (empty: everything)."""
    tokens = _tokenize(expression)
    if not tokens:
        return lambda frame: True
    parser = _Parser(tokens, services)
    predicate = parser.expression()
    if parser.pos != len(tokens):
        raise FilterError(SYNTAX_ERROR)
    return predicate


def _tokenize(expression: str) -> list[str]:
    tokens, pos = [], 0
    text = expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FilterError(SYNTAX_ERROR)
        token = match.group(1)
        if any(c in token for c in "[]<>="):
            raise UnsupportedFilter(f"nflab: filter expression {token!r} is not supported")
        tokens.append(token)
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], services: Services | None) -> None:
        self.tokens = tokens
        self.pos = 0
        self.services = services
        self.last: _Quals | None = None  # what a bare ID inherits

    def peek(self, ahead: int = 0) -> str | None:
        at = self.pos + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterError(SYNTAX_ERROR)
        self.pos += 1
        return token

    def expression(self) -> Predicate:
        """Alternation and concatenation: equal precedence, left to right."""
        result = self.unary()
        while self.peek() in ("and", "&&", "or", "||"):
            operator = self.take()
            right = self.unary()
            result = all_of(result, right) if operator in ("and", "&&") else any_of(result, right)
        return result

    def unary(self) -> Predicate:
        token = self.peek()
        if token in ("not", "!"):
            self.take()
            return negate(self.unary())
        if token == "(":
            self.take()
            inner = self.expression()
            if self.take() != ")":
                raise FilterError(SYNTAX_ERROR)
            return inner
        return self.primitive()

    def primitive(self) -> Predicate:
        token = self.take()
        if token in ("less", "greater"):
            size = _number(self.take())
            return frame_length(size, token == "less")
        if token not in _KEYWORDS:  # a bare ID: the previous qualifiers
            if self.last is None or not self.is_id(token):
                raise FilterError(SYNTAX_ERROR)
            return self.with_id(self.last, token)
        quals = _Quals()
        if token in PROTOCOLS:
            quals = replace(quals, proto=token)
            if self.peek() == "proto":
                self.take()
                return self.protocol_number(token, self.take())
            if self.peek() not in (*_TYPES, "src", "dst") and not self.is_id(self.peek()):
                return _protocol(token)  # the protocol alone
            token = self.take()
        elif token == "proto":
            return self.protocol_number(None, self.take())
        if token in ("src", "dst"):
            quals = replace(quals, dir=self.direction(token))
            token = self.take()
        if token in _TYPES:
            quals = replace(quals, type=token)
            token = self.take()
        if not self.is_id(token):
            raise FilterError(SYNTAX_ERROR)
        self.last = quals
        return self.with_id(quals, token)

    def direction(self, first: str) -> str:
        """``src``, ``dst``, or ``src or dst`` / ``src and dst`` spelled out."""
        if self.peek() in ("or", "and") and self.peek(1) in ("src", "dst") and self.peek(2) != "(":
            joiner = self.take()
            return f"{first} {joiner} {self.take()}"
        return first

    @staticmethod
    def is_id(token: str | None) -> bool:
        return (token is not None and token not in _KEYWORDS and token not in _OPERATORS
                and not token.startswith("-"))

    def protocol_number(self, proto: str | None, text: str) -> Predicate:
        if proto not in (None, "ip", "ip6"):
            raise FilterError(SYNTAX_ERROR)
        number = _number(text)
        return l4_proto_is(number, ip=proto != "ip6", ip6=proto != "ip")

    def with_id(self, quals: _Quals, text: str) -> Predicate:
        if quals.type in ("port", "portrange"):
            return self.port(quals, text)
        if quals.type == "net":
            if self.peek() == "mask":  # ``net 10.0.0.0 mask 255.255.255.0``
                self.take()
                mask = self.take()
                try:
                    length = IPv4Network(f"0.0.0.0/{mask}").prefixlen
                except ValueError:
                    raise FilterError(f"invalid IPv4 netmask '{mask}'") from None
                return _net(quals, f"{text}/{length}")
            return _net(quals, text)
        if "/" in text:
            _net(quals, text)  # libpcap checks the network bits first
            raise FilterError("Mask syntax for networks only")
        return _host(quals, text)

    def port(self, quals: _Quals, text: str) -> Predicate:
        if quals.proto not in (None, *_TRANSPORTS):
            raise FilterError(f"illegal qualifier of '{quals.type}'")
        protos: tuple[str, ...] = (quals.proto,) if quals.proto else _TRANSPORTS
        if quals.type == "portrange":  # a name in a range does not narrow the protocols
            low_text, _, high_text = text.partition("-")
            low = self.port_number(low_text, protos)[1]
            high = self.port_number(high_text or low_text, protos)[1]
            low, high = min(low, high), max(low, high)
        else:
            protos, low = self.port_number(text, protos)
            high = low
        return port_in(protos, low, high, quals.dir)

    def port_number(self, text: str, protos: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
        """A number, or a service name: it keeps only the protocols that know the name."""
        if _NUMBER.fullmatch(text):
            port = _number(text)
            if port > 0xFFFF:
                raise FilterError(f"illegal port number {port} > 65535")
            return protos, port
        found = {p: self.services(text, p) for p in _TRANSPORTS} if self.services else {}
        known = {p: port for p, port in found.items() if port is not None}
        if not known:
            raise FilterError(f"unknown port '{text}'")
        usable = tuple(p for p in protos if p in known)
        if not usable:
            raise FilterError(f"port '{text}' is {'/'.join(known)}")
        return usable, known[usable[0]]


def _number(text: str) -> int:
    """libpcap's numbers: decimal, 0x hexadecimal, 0 octal, at most 32 bits."""
    if not _NUMBER.fullmatch(text):
        raise FilterError(SYNTAX_ERROR)
    if text[:2].lower() == "0x":
        value = int(text[2:], 16)
    elif text.startswith("0") and len(text) > 1:
        if any(c in "89" for c in text):
            raise FilterError(f"number {text} contains non-octal digit")
        value = int(text, 8)
    else:
        value = int(text, 10)
    if value >= 1 << 32:
        raise FilterError(f"number {text} overflows 32 bits")
    return value


def _protocol(name: str) -> Predicate:
    ethertype = PROTOCOLS[name]
    if name in ("ip", "ip6", "arp", "rarp"):
        return ethertype_is(ethertype)  # type: ignore[arg-type]
    if name == "ether":
        raise FilterError(SYNTAX_ERROR)
    return l4_proto_is(ethertype, ip=name != "icmp6", ip6=name != "icmp")  # type: ignore[arg-type]


def _host(quals: _Quals, text: str) -> Predicate:
    if quals.proto not in (None, "ip", "ip6", "arp", "rarp"):
        raise FilterError(f"'{quals.proto}' modifier applied to host")
    address = _address(text)
    return host_is(address, quals.dir, quals.proto)


def _address(text: str) -> IPv4Address | IPv6Address:
    if ":" in text:
        try:
            return IPv6Address(text)
        except ValueError:
            raise FilterError(f"invalid IPv6 address '{text}'") from None
    if not re.fullmatch(r"[0-9.]+", text):
        raise FilterError(f"unknown host '{text}'")
    parts = text.split(".")
    if len(parts) > 4 or not all(parts) or any(int(p) > 255 for p in parts):
        raise FilterError(f"invalid IPv4 address '{text}'")
    return IPv4Address(".".join(parts + ["0"] * (4 - len(parts))))


def _net(quals: _Quals, text: str) -> Predicate:
    if quals.proto not in (None, "ip", "ip6", "arp", "rarp"):
        raise FilterError(f"'{quals.proto}' modifier applied to net")
    address_text, slash, length_text = text.partition("/")
    if ":" in address_text:
        length = _number(length_text) if slash else 128
        if length > 128:
            raise FilterError("mask length must be <= 128")
        network6 = IPv6Network((IPv6Address(address_text), length), strict=False)
        if network6.network_address != ip_address(address_text):
            raise FilterError(f'non-network bits set in "{text}"')
        return in_net(network6, quals.dir, quals.proto)
    parts = address_text.split(".")
    address = _address(address_text)
    length = _number(length_text) if slash else 8 * len(parts)
    if length > 32:
        raise FilterError("mask length must be <= 32")
    network = IPv4Network((address, length), strict=False)
    if network.network_address != address:
        raise FilterError(f'non-network bits set in "{text}"')
    return in_net(network, quals.dir, quals.proto)
