"""The kernel's jhash family: values computed with the C macros of include/linux/jhash.h."""

from nflab.netfilter.jhash import be32_word, jhash2, jhash_1word, jhash_3words, reciprocal_scale


def test_against_the_c_implementation() -> None:
    assert jhash2([1, 2, 3, 4], 0) == 0x66491246
    assert jhash2([9, 8, 7, 6, 5], 77) == 0x1886215B
    assert jhash2([0xDEADBEEF, 7], 0xFFFFFFFF) == 0xC8DC680C
    assert jhash_3words(1, 2, 3, 0) == 0xA46158F5
    assert jhash_1word(1, 0) == 0x72A82A9B


def test_empty_key_is_the_seeded_constant() -> None:
    assert jhash2([], 0) == 0xDEADBEEF
    assert jhash2([], 1) == 0xDEADBEF0


def test_reciprocal_scale_and_byte_order() -> None:
    assert reciprocal_scale(0, 10) == 0
    assert reciprocal_scale(0xFFFFFFFF, 10) == 9
    assert reciprocal_scale(0x80000000, 10) == 5
    assert reciprocal_scale(0x12345678, 0) == 0
    # a network-order field read as a little-endian machine word
    assert be32_word(bytes([10, 0, 0, 1])) == 0x0100000A
