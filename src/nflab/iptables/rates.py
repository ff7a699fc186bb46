"""Packet rates as ``-m limit`` and ``-m hashlimit`` read and print them.

A rate ``N[/unit]`` is stored as a period: the time between packets in
1/``scale`` seconds (``XT_LIMIT_SCALE`` 10000 for limit and hashlimit
revision 1, ``XT_HASHLIMIT_SCALE_v2`` 1000000 for hashlimit revisions 2+).
Printing picks the largest unit that still shows the period exactly enough
(``print_rate`` in libxt_limit.c / libxt_hashlimit.c).
"""

from __future__ import annotations

XT_LIMIT_SCALE = 10000

# the unit words accepted after '/', any non-empty prefix, case-insensitive
_UNIT_WORDS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400))
# what print_rate writes, largest first
_PRINT_UNITS = (("day", 86400), ("hour", 3600), ("min", 60), ("sec", 1))


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def rate_unit_seconds(rate: str) -> int | None:
    """Seconds per unit of ``N/unit`` (1 without a '/'), None for an unknown unit.

    C compares with ``strncasecmp(unit, "second", strlen(unit))``: any prefix of
    the word matches (``/s``, ``/min``, ``/H``), a longer word does not.
    """
    _, slash, unit = rate.partition("/")
    if not slash:
        return 1
    if not unit:
        return None
    lowered = _ascii_lower(unit)
    for word, seconds in _UNIT_WORDS:
        if word.startswith(lowered):
            return seconds
    return None


def rate_text(period: int, scale: int) -> tuple[str, int]:
    """``print_rate``: (``"N/unit"``, seconds of the unit printed); ``inf`` for period 0."""
    if period == 0:
        return "inf", 0
    mults = [scale * seconds for _, seconds in _PRINT_UNITS]
    i = 1
    while i < len(mults):
        if period > mults[i] or mults[i] // period < mults[i] % period:
            break
        i += 1
    name, seconds = _PRINT_UNITS[i - 1]
    return f"{mults[i - 1] // period}/{name}", seconds
