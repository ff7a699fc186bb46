"""Mark/mask values as the mark-like extensions print them (mark, connmark, MARK, CONNMARK...).

``xtables_print_mark_mask`` / ``xtables_print_val_mask``: ``0x5`` when the
mask is all ones, ``0x5/0xff`` otherwise (lowercase hex, ``0x`` prefix).
Parsing (``xtables_parse_mark_mask``) lives in :mod:`nflab.iptables.xtoptions`
as :func:`~nflab.iptables.xtoptions.parse_mark_mask` and the ``MARKMASK32``
option type.
"""

from __future__ import annotations

from collections.abc import Mapping

from .cnum import xtables_strtoul
from .errors import ParameterProblem

ALL_ONES = 0xFFFFFFFF


def mark_mask_text(value: int, mask: int = ALL_ONES, full: int = ALL_ONES) -> str:
    """``0xV`` or ``0xV/0xM`` (no leading space); ``full`` is the type's all-ones mask."""
    if mask != full:
        return f"0x{value:x}/0x{mask:x}"
    return f"0x{value:x}"


def print_mark_mask(value: int, mask: int = ALL_ONES) -> str:
    """``xtables_print_mark_mask``: the same with the leading space C prints."""
    return " " + mark_mask_text(value, mask)


def mark_matches(actual: int, value: int, mask: int) -> bool:
    """The kernel's mark test (``(mark & mask) == value``) shared by mark and connmark."""
    return (actual & mask) == value


def parse_val_mask(
    arg: str, ext_name: str, opt_name: str, names: Mapping[str, int] | None = None
) -> tuple[int, int]:
    """``xtables_parse_val_mask``: ``value[/mask]`` (mask all ones by default), or a
    name from ``names`` (the ``lmap`` of realm/devgroup), with libxtables' messages."""
    bad = ParameterProblem(
        f'{ext_name}: bad integer value for option "--{opt_name}", or out of range.\n'
    )
    value, rest = xtables_strtoul(arg, 0, ALL_ONES, partial=True)
    if value is None or (rest and not rest.startswith("/")):
        if names is None:
            if value is None:
                raise bad
            raise _garbage(ext_name, opt_name)
        found = names.get(arg)
        if found is None:
            raise ParameterProblem(
                f"{ext_name}: could not map name {arg} to an integer value "
                f'for option "--{opt_name}".\n'
            )
        return found, ALL_ONES
    if not rest:
        return value, ALL_ONES
    mask, rest = xtables_strtoul(rest[1:], 0, ALL_ONES, partial=True)
    if mask is None:
        raise bad
    if rest:
        raise _garbage(ext_name, opt_name)
    return value, mask


def _garbage(ext_name: str, opt_name: str) -> ParameterProblem:
    return ParameterProblem(
        f'{ext_name}: trailing garbage after value for option "--{opt_name}".\n'
    )
