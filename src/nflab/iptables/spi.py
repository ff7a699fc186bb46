"""The IPsec SPI range matches esp, ah and ipcomp share (libxt_esp.c, libipt_ah.c,
libxt_ipcomp.c; kernel xt_esp.c, ipt_ah.c, xt_ipcomp.c).

Each parses ``--XXXspi spi[:spi]`` with the generic UINT32RC type, saves it as
`` [!] --XXXspi a[:b]`` (omitted for the full range) and lists it as
``spi:[!]a`` / ``spis:[!]a:b``; the kernel compares the header's SPI (or CPI)
with the range. Subclasses give the names, the header layout and the listing
prefix, which differ slightly per module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from .extension import MatchExtension, RuleContext, Show
from .xtoptions import Call, generic_parse

if TYPE_CHECKING:
    from ..netfilter.skb import Env, Skb

FULL_SPI = (0, 0xFFFFFFFF)


@dataclass(frozen=True, slots=True)
class Spi:
    """``struct xt_esp`` / ``ipt_ah`` / ``xt_ipcomp`` (``hdrres`` is ipcomp's ``--compres``)."""

    spis: tuple[int, int] = FULL_SPI
    invert: bool = False
    hdrres: bool = False


class SpiMatch(MatchExtension):
    """A match on one SPI range; the first option is the ``--XXXspi`` one."""

    initial: ClassVar[Spi] = Spi()  # the match's ``init`` (ipcomp has none: 0:0)
    list_head: ClassVar[str]  # " esp", " ah ", " comp "
    list_sep: ClassVar[str] = ""  # esp puts a space before ``spi:``
    header_size: ClassVar[int]
    spi_at: ClassVar[tuple[int, int]]  # byte offsets of the SPI in the header

    def parse(self, call: Call) -> None:
        generic_parse(call)
        if call.opt.id != self.options[0].id:
            call.data["hdrres"] = True
            return
        values = call.value
        call.data["spis"] = (values[0], values[0]) if call.nvals == 1 else values
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Spi:
        return replace(
            self.initial,
            spis=data.get("spis", self.initial.spis),
            invert=data.get("invert", False),
            hdrres=data.get("hdrres", False),
        )

    def print(self, value: Spi, show: Show) -> str:
        out = self.list_head
        lo, hi = value.spis
        if value.spis != FULL_SPI or value.invert:
            inv = "!" if value.invert else ""
            spi = f"spi:{inv}{lo}" if lo == hi else f"spis:{inv}{lo}:{hi}"
            out += self.list_sep + spi
        return out + (" reserved" if value.hdrres else "")

    def save(self, value: Spi, show: Show) -> str:
        out = ""
        if value.spis != FULL_SPI:
            lo, hi = value.spis
            out = f"{' !' if value.invert else ''} --{self.options[0].name} "
            out += str(lo) if lo == hi else f"{lo}:{hi}"
        return out + (" --compres" if value.hdrres else "")

    def matches(self, value: Spi, skb: Skb, env: Env) -> bool:
        """``spi_match``: the header's SPI within the range, xor the inversion."""
        if skb.fragoff:
            return False
        header = skb.transport_header(self.header_size)
        if header is None:  # a truncated header: the kernel drops the packet
            skb.hotdrop = True
            return False
        start, end = self.spi_at
        spi = int.from_bytes(header[start:end], "big")
        return (value.spis[0] <= spi <= value.spis[1]) != value.invert
