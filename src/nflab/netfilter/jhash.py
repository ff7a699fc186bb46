"""Bob Jenkins' lookup3 hash as the kernel uses it (``include/linux/jhash.h``).

NAT spreads connections over an address range with ``jhash2``, NFQUEUE
spreads flows over queues with ``jhash_3words`` and ``-m cluster`` nodes with
``jhash_1word``; ``reciprocal_scale`` maps a hash onto ``[0, n)``. All arithmetic is on u32, as in C.
"""

from __future__ import annotations

from collections.abc import Sequence

JHASH_INITVAL = 0xDEADBEEF
_M = 0xFFFFFFFF


def _rol32(word: int, shift: int) -> int:
    return ((word << shift) | (word >> (32 - shift))) & _M


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    """``__jhash_mix``."""
    a = (a - c) & _M
    a ^= _rol32(c, 4)
    c = (c + b) & _M
    b = (b - a) & _M
    b ^= _rol32(a, 6)
    a = (a + c) & _M
    c = (c - b) & _M
    c ^= _rol32(b, 8)
    b = (b + a) & _M
    a = (a - c) & _M
    a ^= _rol32(c, 16)
    c = (c + b) & _M
    b = (b - a) & _M
    b ^= _rol32(a, 19)
    a = (a + c) & _M
    c = (c - b) & _M
    c ^= _rol32(b, 4)
    b = (b + a) & _M
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    """``__jhash_final``: the value of ``c``."""
    c ^= b
    c = (c - _rol32(b, 14)) & _M
    a ^= c
    a = (a - _rol32(c, 11)) & _M
    b ^= a
    b = (b - _rol32(a, 25)) & _M
    c ^= b
    c = (c - _rol32(b, 16)) & _M
    a ^= c
    a = (a - _rol32(c, 4)) & _M
    b ^= a
    b = (b - _rol32(a, 14)) & _M
    c ^= b
    c = (c - _rol32(b, 24)) & _M
    return c


def jhash2(words: Sequence[int], initval: int) -> int:
    """``jhash2(k, length, initval)`` over u32 words."""
    length = len(words)
    a = b = c = (JHASH_INITVAL + (length << 2) + initval) & _M
    k = list(words)
    while len(k) > 3:
        a = (a + k[0]) & _M
        b = (b + k[1]) & _M
        c = (c + k[2]) & _M
        a, b, c = _mix(a, b, c)
        k = k[3:]
    if not k:
        return c
    if len(k) == 3:
        c = (c + k[2]) & _M
    if len(k) >= 2:
        b = (b + k[1]) & _M
    a = (a + k[0]) & _M
    return _final(a, b, c)


def _jhash_nwords(a: int, b: int, c: int, initval: int) -> int:
    """``__jhash_nwords``."""
    return _final((a + initval) & _M, (b + initval) & _M, (c + initval) & _M)


def jhash_3words(a: int, b: int, c: int, initval: int) -> int:
    """``jhash_3words``."""
    return _jhash_nwords(a, b, c, (initval + JHASH_INITVAL + (3 << 2)) & _M)


def jhash_2words(a: int, b: int, initval: int) -> int:
    """``jhash_2words``."""
    return _jhash_nwords(a, b, 0, (initval + JHASH_INITVAL + (2 << 2)) & _M)


def jhash_1word(a: int, initval: int) -> int:
    """``jhash_1word``."""
    return _jhash_nwords(a, 0, 0, (initval + JHASH_INITVAL + (1 << 2)) & _M)


def reciprocal_scale(value: int, ep_ro: int) -> int:
    """``reciprocal_scale``: ``value`` (u32) scaled onto ``[0, ep_ro)``."""
    return ((value & _M) * (ep_ro & _M)) >> 32


def be32_word(packed: bytes) -> int:
    """A network-order 4-byte field read as a native u32 on little-endian x86
    (what ``(__force u32)addr`` hashes)."""
    return int.from_bytes(packed, "little")
