"""The IPv6 routes the kernel makes by itself, for ``ip -6 route`` and ``ip route show table all``.

IPv6 is not simulated, but every link that configures a link-local address
brings ``fe80::/64`` (main) and ``multicast ff00::/8`` (local), oldest first,
and once its duplicate address detection is over, a ``local`` route for the
address; lo's ``::1`` has its local route while lo is up.
"""

from __future__ import annotations

from ...stack.interfaces import Interface
from ...stack.linkstate import carrier, ipv6_addresses
from .common import Ip


def _configured(ip: Ip) -> list[tuple[float, Interface]]:
    out = []
    for iface in ip.netns.interfaces.values():
        if iface.is_loopback:
            continue
        ipv6_addresses(ip.netns, iface, ip.now)  # a bridge configures itself when first seen
        if iface.admin_up and iface.ipv6_since is not None:
            out.append((iface.ipv6_since, iface))
    return sorted(out, key=lambda pair: (pair[0], pair[1].index))


def ipv6_lines(ip: Ip, table: str | None, dev: str | None) -> list[str]:
    """The lines of the IPv6 routes in ``table`` (None: all), through ``dev`` if given."""
    netns = ip.netns
    shown_table = table is None
    main: list[str] = []
    local: list[tuple[int, str]] = []
    multicast: list[str] = []
    for _, iface in _configured(ip):
        if dev is not None and iface.name != dev:
            continue
        on = "" if dev is not None else f"dev {iface.name} "
        down = "" if carrier(netns, iface) else "linkdown "
        if iface.link_local is not None:
            main.append(f"fe80::/64 {on}proto kernel metric 256 {down}pref medium\n")
        t = "table local " if shown_table else ""
        multicast.append(f"multicast ff00::/8 {on}{t}proto kernel metric 256 {down}pref medium\n")
        for address, _, _, tentative in ipv6_addresses(netns, iface, ip.now):
            if not tentative:
                local.append((int(address), f"local {address} {on}{t}proto kernel metric 0 pref medium\n"))
    lo = netns.interfaces.get("lo")
    if lo is not None and lo.admin_up and dev in (None, "lo"):
        on = "" if dev is not None else "dev lo "
        t = "table local " if shown_table else ""
        local.append((1, f"local ::1 {on}{t}proto kernel metric 0 pref medium\n"))
    lines: list[str] = []
    if table in (None, "main"):
        lines += main
    if table in (None, "local"):
        lines += [text for _, text in sorted(local)] + multicast
    return lines
