"""The text of ``ip link`` and ``ip addr``: one link header, then its addresses.

Mirrors iproute2's ``print_linkinfo`` and ``print_addrinfo`` (trailing spaces
included): ``veth0@veth1`` names the peer when it is in the same namespace,
``veth0@if7`` with ``link-netns NAME`` (a namespace this machine named) or
``link-netnsid N`` when it is elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from ...stack.interfaces import IfAddr, Interface, LinkKind, mac_text
from ...stack.linkstate import flag_words, ipv6_addresses, operstate
from .common import Ip


@dataclass
class AddrFilter:
    """The selectors of ``ip addr show``."""

    label: str | None = None
    scope: str | None = None
    to: tuple[object, int] | None = None  # (IPv4Network, prefix length) of ``to``
    up: bool = False
    master: str | None = None  # links of this bridge ("" for links of none)
    kind: str | None = None  # ``type bridge``: links of that kind
    slave_kind: str | None = None  # ``type bridge_slave``: ports of that kind of master
    primary: bool | None = None  # True: primary only, False: secondary only


def link_name(ip: Ip, iface: Interface) -> tuple[str, bool, str]:
    """``print_name_and_link``: the displayed name, the M-DOWN mark, the link-netns tail."""
    peer = iface.peer_iface
    if peer is None:
        return iface.name, False, ""
    netns = ip.netns
    if peer.ns_id == netns.id and netns.interfaces.get(peer.name) is peer:
        return f"{iface.name}@{peer.name}", not peer.admin_up, ""
    nsid = netns.nsid_of(peer.ns_id)
    named = [n for n, h in ip.machine.namespaces.items() if n and h.netns.id == peer.ns_id]
    tail = f" link-netns {named[0]}" if named else f" link-netnsid {nsid}"
    return f"{iface.name}@if{peer.index}", False, tail


def flags_text(ip: Ip, iface: Interface, mdown: bool) -> str:
    words = flag_words(ip.netns, iface)
    return "<" + ",".join(words) + (",M-DOWN" if mdown else "") + ">"


def link_header(ip: Ip, iface: Interface, link_mode: bool) -> str:
    """The first line(s) of a link (``print_linkinfo``), newline included."""
    netns = ip.netns
    name, mdown, tail = link_name(ip, iface)
    words = [f"{iface.index}: {name}: {flags_text(ip, iface, mdown)} mtu {iface.mtu}"]
    if ip.family == "inet6":
        # the link as IPv6 dumps it (``inet6_fill_ifinfo``): no qdisc, master, group, netns;
        # iproute2 asks the queue length with an ioctl
        return " ".join([*words, f"state {operstate(netns, iface)}", "qlen 1000"]) + "\n"
    words.append("qdisc noqueue" if iface.qdisc_attached else "qdisc noop")
    if iface.master is not None:
        words.append(f"master {iface.master}")
    words.append(f"state {operstate(netns, iface)}")
    if link_mode:
        words.append("mode DEFAULT")
    words.append("group default qlen 1000")
    line = " ".join(words)
    if ip.family in ("", "link") or ip.details:
        kind = "loopback" if iface.kind is LinkKind.LOOPBACK else "ether"
        brd = "00:00:00:00:00:00" if iface.kind is LinkKind.LOOPBACK else "ff:ff:ff:ff:ff:ff"
        sep = "\\" if ip.oneline else "\n"
        line += f"{sep}    link/{kind} {mac_text(iface.mac)} brd {brd}"
    return line + tail + "\n"


def _kind(iface: Interface) -> str | None:
    """``IFLA_INFO_KIND``: lo has none."""
    return None if iface.kind is LinkKind.LOOPBACK else iface.kind.value


def _inet_line(ifa: IfAddr) -> str:
    local = str(ifa.addr.ip)
    plen = ifa.addr.network.prefixlen
    text = f"inet {local} peer {ifa.peer}/{plen} " if ifa.peer is not None else f"inet {local}/{plen} "
    if ifa.broadcast is not None:
        text += f"brd {ifa.broadcast} "
    text += f"scope {ifa.scope} "
    if ifa.secondary:
        text += "secondary "
    if ifa.noprefixroute:
        text += "noprefixroute "
    return text + ifa.label


def address_lines(ip: Ip, iface: Interface, selected: AddrFilter) -> list[str]:
    """``print_addrinfo`` for each shown address: (IPv4 then IPv6)."""
    lines: list[str] = []
    if ip.family in ("", "inet"):
        for ifa in iface.inet:
            if address_selected(ifa, selected):
                lines.append(_inet_line(ifa))
    if ip.family in ("", "inet6") and selected.label is None and selected.to is None:
        for address, plen, scope, tentative in ipv6_addresses(ip.netns, iface, ip.now):
            if selected.scope not in (None, scope) or selected.primary is False:
                continue
            lines.append(f"inet6 {address}/{plen} scope {scope} " + ("tentative " if tentative else ""))
    return lines


def address_selected(ifa: IfAddr, selected: AddrFilter) -> bool:
    if selected.label is not None and not _label_match(ifa.label, selected.label):
        return False
    if selected.scope is not None and ifa.scope != selected.scope:
        return False
    if selected.primary is not None and ifa.secondary == selected.primary:
        return False
    if selected.to is not None:
        network, _ = selected.to
        if ifa.addr.ip not in network:  # type: ignore[operator]
            return False
    return True


def _label_match(label: str, pattern: str) -> bool:
    return fnmatchcase(label, pattern)


def show_addresses(ip: Ip, links: list[Interface], selected: AddrFilter, link_mode: bool) -> str:
    """``ip addr show`` / ``ip link show`` for these links, as one text."""
    out: list[str] = []
    for iface in links:
        if selected.up and not iface.admin_up:
            continue
        if selected.master is not None and (iface.master or "") != selected.master:
            continue
        if selected.kind is not None and _kind(iface) != selected.kind:
            continue
        if selected.slave_kind is not None and (iface.master is None or selected.slave_kind != "bridge"):
            continue
        addrs = [] if link_mode or ip.family == "link" else address_lines(ip, iface, selected)
        has_any = bool(iface.inet) or bool(ipv6_addresses(ip.netns, iface, ip.now))
        filtering = ip.family in ("inet", "inet6") or selected.label is not None or selected.to is not None
        filtering = filtering or selected.scope is not None or selected.primary is not None
        if not link_mode and filtering and not addrs and (has_any or ip.family in ("inet", "inet6")):
            continue
        if ip.brief:
            out.append(brief_line(ip, iface, link_mode, addrs))
            continue
        if ip.oneline and not link_mode:
            prefix = f"{iface.index}: {iface.name}    "
            for line in addrs:
                out.append(prefix + line + "\\       valid_lft forever preferred_lft forever\n")
            continue
        if selected.label is None:
            out.append(link_header(ip, iface, link_mode))
        for line in addrs:
            out.append(f"    {line}\n       valid_lft forever preferred_lft forever\n")
    return "".join(out)


def brief_line(ip: Ip, iface: Interface, link_mode: bool, addrs: list[str]) -> str:
    """``-br``: name, state, then the MAC and flags (link) or the addresses."""
    name, mdown, _ = link_name(ip, iface)
    text = f"{name:<16} {operstate(ip.netns, iface):<14} "
    if link_mode:
        return text + f"{mac_text(iface.mac)} {flags_text(ip, iface, mdown)} \n"
    for line in addrs:
        words = line.split()
        text += (" ".join(words[1:4]) if words[2] == "peer" else words[1]) + " "
    return text + "\n"
