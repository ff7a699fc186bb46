"""C number parsing as libxtables uses it (``strtoumax`` with base 0, ``xtables_strtoul``)."""

from __future__ import annotations

import re

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
UINTMAX = 2**64 - 1


def strtoumax(s: str, base: int = 0) -> tuple[int | None, int, bool]:
    """C ``strtoumax``: (value or None when no digits, index after the number, overflow).

    Accepts leading white space, a sign (a minus negates modulo 2**64, like C)
    and, for base 0 or 16, a ``0x`` prefix; base 0 reads a leading ``0`` as octal.
    """
    if base in (0, 10) and s.isascii() and s.isdigit() and (s[0] != "0" or len(s) == 1):
        value = int(s)  # plain decimal, the usual case: what the loop below computes
        return (UINTMAX, len(s), True) if value > UINTMAX else (value, len(s), False)
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


_C_SPACE = " \t\n\r\f\v"
_LLONG_MIN, _LLONG_MAX = -(2**63), 2**63 - 1


def strtoll(s: str) -> int:
    """C ``strtoll(s, NULL, 10)`` (and so ``atoll``/``atol``): leading white space, a
    sign, decimal digits; 0 without digits, clamped to the ``long long`` range."""
    i, n = 0, len(s)
    while i < n and s[i] in _C_SPACE:
        i += 1
    neg = i < n and s[i] == "-"
    if i < n and s[i] in "+-":
        i += 1
    start = i
    while i < n and "0" <= s[i] <= "9":
        i += 1
    value = int(s[start:i]) if i > start else 0
    value = -value if neg else value
    return max(_LLONG_MIN, min(_LLONG_MAX, value))


def atoi(s: str) -> int:
    """glibc ``atoi``: ``(int) strtol(s)``, i.e. the low 32 bits as a signed int."""
    low = strtoll(s) & 0xFFFFFFFF
    return low - 2**32 if low >= 2**31 else low


_STRTOD_SPECIAL = re.compile(r"[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)", re.IGNORECASE)
_STRTOD_HEX = re.compile(
    r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?"
)
_STRTOD_DEC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def strtod(s: str) -> tuple[float | None, int]:
    """C ``strtod``: (value or None when nothing converts, index after the number).

    Accepts what glibc does: leading white space, ``inf``/``infinity``/``nan``,
    hexadecimal floats (``0x1p-2``) and decimal ones; out-of-range values become
    ``inf``/0 like ``HUGE_VAL`` and underflow."""
    i = 0
    while i < len(s) and s[i] in _C_SPACE:
        i += 1
    for pattern in (_STRTOD_SPECIAL, _STRTOD_HEX, _STRTOD_DEC):
        m = pattern.match(s, i)
        if m is None:
            continue
        text = m.group(0)
        if pattern is _STRTOD_SPECIAL:
            sign = -1.0 if text.startswith("-") else 1.0
            word = text.lstrip("+-").lower()
            value = sign * (float("nan") if word.startswith("nan") else float("inf"))
        elif pattern is _STRTOD_HEX:
            value = float.fromhex(text)
        else:
            value = float(text)
        return value, m.end()
    return None, 0


def double_to_uint(value: float, bits: int = 32) -> int:
    """C's ``double`` to unsigned conversion as gcc does it on x86-64: through a 64-bit
    ``cvttsd2si`` (truncation toward zero; NaN and out-of-range give INT64_MIN), then the
    low ``bits`` kept."""
    if value != value or value in (float("inf"), float("-inf")) or abs(value) >= 2**63:
        whole = -(2**63)
    else:
        whole = int(value)
    return whole & ((1 << bits) - 1)
