"""The URLs curl accepts (lib/urlapi.c), for plain HTTP.

``[http://]host[:port][/path][?query][#fragment]``: a missing scheme is
guessed from the host (``ftp.`` → ftp ..., else http), numeric IPv4 hosts
are normalised (``0`` → ``0.0.0.0``), ``/./`` and ``/../`` are removed from
the path, the fragment is dropped. A URL curl cannot parse is error 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv6Address

from .resolver import IPAddress, inet_aton
from .system import NotSimulated

BAD_URL = "URL using bad/illegal format or missing URL"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_GUESSED = {"ftp.": "ftp", "dict.": "dict", "ldap.": "ldap", "imap.": "imap", "smtp.": "smtp",
            "pop3.": "pop3"}  # fmt: skip
_BAD_HOST_CHARS = set(" \r\n\t/:#?!@{}[]\\$'\"^`*<>=;,+&()%")
DEFAULT_PORT = 80


class UrlError(Exception):
    """A URL curl refuses (CURLE_URL_MALFORMAT, 3)."""


@dataclass(frozen=True, slots=True)
class Url:
    host: str  # as curl names it in messages (IPv6 without brackets)
    port: int
    path: str  # path and query, what the request line carries
    literal: IPAddress | None  # the host when it is an address

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORT else f"{host}:{self.port}"


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, as curl's ``dedotdotify``."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def parse_url(text: str) -> Url:
    if not text or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise UrlError(BAD_URL)
    match = _SCHEME.match(text)
    if match:
        scheme, rest = match.group(1).lower(), text[match.end() :]
    else:
        rest = text
        scheme = next((s for p, s in _GUESSED.items() if text.lower().startswith(p)), "http")
    if scheme != "http":
        raise NotSimulated(f"curl with {scheme}:// URLs")
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        raise NotSimulated("curl with a user name in the URL")
    host, port = _split_port(authority)
    tail = tail.split("#", 1)[0]
    path, _, query = tail.partition("?")
    path = remove_dot_segments(path) if path else "/"
    literal: IPAddress | None
    if host.startswith("["):
        try:
            literal = IPv6Address(host[1:-1])
        except ValueError:
            raise UrlError(BAD_URL) from None
        host = host[1:-1]
    else:
        if not host or any(c in _BAD_HOST_CHARS for c in host):
            raise UrlError(BAD_URL)
        literal = inet_aton(host) if all(c in "0123456789abcdefxABCDEFX." for c in host) else None
        if literal is not None:
            host = str(literal)
    return Url(host, port, path + ("?" + query if query else ""), literal)


def _split_port(authority: str) -> tuple[str, int]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise UrlError(BAD_URL)
        host, rest = authority[: end + 1], authority[end + 1 :]
        if rest and not rest.startswith(":"):
            raise UrlError(BAD_URL)
        port_text = rest[1:] if rest else None
    else:
        host, sep, port_text_ = authority.partition(":")
        port_text = port_text_ if sep else None
    if port_text is None:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        raise UrlError(BAD_URL)
    return host, int(port_text)
