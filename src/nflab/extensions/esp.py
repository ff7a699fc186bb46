"""``-m esp`` (libxt_esp.c, kernel xt_esp.c): the ESP header's SPI in a range."""

from __future__ import annotations

from ..iptables.extension import register
from ..iptables.spi import SpiMatch
from ..iptables.xtoptions import Opt, OptType


@register
class EspMatch(SpiMatch):
    name = "esp"
    proto = 50
    options = (Opt("espspi", OptType.UINT32RC, invert=True),)
    list_head = " esp"
    list_sep = " "
    header_size = 8  # struct ip_esp_hdr: spi, seq_no
    spi_at = (0, 4)
