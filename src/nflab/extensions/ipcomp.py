"""``-m ipcomp`` (libxt_ipcomp.c, kernel xt_ipcomp.c): the IPComp header's CPI in a range.

libxt_ipcomp has no ``init``: without ``--ipcompspi`` the range is 0:0 (saved as
``--ipcompspi 0``). ``--compres`` is stored but the kernel never tests it.
"""

from __future__ import annotations

from ..iptables.extension import register
from ..iptables.spi import Spi, SpiMatch
from ..iptables.xtoptions import Opt, OptType


@register
class IpcompMatch(SpiMatch):
    name = "ipcomp"
    proto = 108
    options = (
        Opt("ipcompspi", OptType.UINT32RC, invert=True),
        Opt("compres", OptType.NONE),
    )
    initial = Spi(spis=(0, 0))
    list_head = " comp "
    header_size = 4  # struct ip_comp_hdr: nexthdr, flags, cpi
    spi_at = (2, 4)
