"""``-m ah`` (libipt_ah.c, kernel ipt_ah.c): the AH header's SPI in a range."""

from __future__ import annotations

from ..iptables.extension import register
from ..iptables.spi import SpiMatch
from ..iptables.xtoptions import Opt, OptType


@register
class AhMatch(SpiMatch):
    name = "ah"
    proto = 51
    options = (Opt("ahspi", OptType.UINT32RC, invert=True),)
    list_head = " ah "
    header_size = 12  # struct ip_auth_hdr: nexthdr, hdrlen, reserved, spi, seq_no
    spi_at = (4, 8)
