"""Quoting of free-text option values in saved rules (libxtables ``xtables_save_string``).

Used by ``-m comment``, the LOG/NFLOG prefixes and every other extension that
saves a user string: the value is printed bare when it is a non-empty run of
``[A-Za-z0-9_-]``, otherwise in double quotes with ``"``, ``\\`` and ``'``
backslash-escaped.
"""

from __future__ import annotations

import string

_NO_QUOTE = frozenset(string.ascii_letters + string.digits + "_-")
_ESCAPE = frozenset("\"\\'")


def save_string(value: str) -> str:
    """The quoted form of ``value`` without the leading space."""
    if value and all(ch in _NO_QUOTE for ch in value):
        return value
    return '"' + "".join("\\" + ch if ch in _ESCAPE else ch for ch in value) + '"'


def xtables_save_string(value: str) -> str:
    """``xtables_save_string``: a space, then the (possibly quoted) value."""
    return " " + save_string(value)


def put_string(value: str, size: int) -> str:
    """What an ``XTOPT_PUT`` string option stores in a ``char[size]`` field: the
    argument silently cut to ``size - 1`` bytes (``xtopt_parse_string``)."""
    raw = value.encode()
    if len(raw) < size:
        return value
    return raw[: size - 1].decode(errors="ignore")
