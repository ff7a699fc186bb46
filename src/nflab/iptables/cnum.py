"""C number parsing as libxtables uses it (``strtoumax`` with base 0, ``xtables_strtoul``)."""

from __future__ import annotations

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
UINTMAX = 2**64 - 1


def strtoumax(s: str, base: int = 0) -> tuple[int | None, int, bool]:
    """C ``strtoumax``: (value or None when no digits, index after the number, overflow).

    Accepts leading white space, a sign (a minus negates modulo 2**64, like C)
    and, for base 0 or 16, a ``0x`` prefix; base 0 reads a leading ``0`` as octal.
    """
    i, n = 0, len(s)
    while i < n and s[i] in " \t\n\r\f\v":
        i += 1
    neg = False
    if i < n and s[i] in "+-":
        neg = s[i] == "-"
        i += 1
    if base in (0, 16) and s[i : i + 2].lower() == "0x" and i + 2 < n and s[i + 2].lower() in _DIGITS[:16]:
        i += 2
        base = 16
    elif base == 0:
        base = 8 if s[i : i + 1] == "0" else 10
    start = i
    value = 0
    while i < n:
        d = _DIGITS.find(s[i].lower())
        if d < 0 or d >= base:
            break
        value = value * base + d
        i += 1
    if i == start:
        return None, 0, False
    overflow = value > UINTMAX
    if overflow:
        value = UINTMAX
    elif neg:
        value = (-value) % (UINTMAX + 1)
    return value, i, overflow


def xtables_strtoul(s: str, lo: int = 0, hi: int = 0, *, partial: bool = False) -> tuple[int | None, str]:
    """``xtables_strtoul``: the value when in [lo, hi] (hi 0 = no limit), else None.

    Without ``partial`` the whole string must be the number; with it, the
    rest after the number is returned as the second item.
    """
    if s.lstrip(" \t\n\r\f\v").startswith("-"):
        return None, s
    value, end, overflow = strtoumax(s, 0)
    if value is None:
        return None, s
    rest = s[end:]
    if overflow or value < lo or (hi != 0 and value > hi):
        return None, rest
    if not partial and rest:
        return None, rest
    return value, rest


def strtoui(s: str, lo: int = 0, hi: int = 0xFFFFFFFF) -> int | None:
    """``xtables_strtoui`` with no end pointer: the whole string, in range."""
    value, _ = xtables_strtoul(s, lo, hi)
    return value
