"""``ip address``: add, del, flush, show (and the listing ``ip link show`` shares).

Parsed as ``ipaddr_modify`` and ``ipaddr_list_flush_or_save`` parse: the
first bare word is the local address, ``dev`` is required, an IPv4 address
in 127.0.0.0/8 gets scope host by default, ``brd +`` computes the broadcast
address; deleting without a prefix length is the "wildcard deletion" iproute2
warns about.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

from ...stack.interfaces import IfAddr
from ...stack.links import NetnsError
from ..system import NotSimulated
from .common import Args, Ip, matches, parse_scope
from .show import AddrFilter, address_selected, show_addresses
from .usage import ADDR_USAGE

FLAGS = ("home", "nodad", "optimistic", "mngtmpaddr", "noprefixroute", "autojoin")
READONLY_FLAGS = ("secondary", "temporary", "tentative", "permanent", "deprecated", "dadfailed")


def do_addr(ip: Ip, words: list[str]) -> int:
    if not words:
        return list_links(ip, [], link_mode=False, selected=AddrFilter())
    cmd, rest = words[0], words[1:]
    if matches(cmd, "add"):
        return addr_modify(ip, Args(ip, rest), delete=False)
    if matches(cmd, "change") or cmd == "chg" or matches(cmd, "replace"):
        raise NotSimulated(f"ip address {cmd}")
    if matches(cmd, "delete"):
        return addr_modify(ip, Args(ip, rest), delete=True)
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        return list_links(ip, rest, link_mode=False, selected=AddrFilter())
    if matches(cmd, "flush"):
        return addr_flush(ip, rest)
    if matches(cmd, "help"):
        raise ip.fail(ADDR_USAGE.rstrip("\n"))
    if matches(cmd, "save") or matches(cmd, "restore") or matches(cmd, "showdump"):
        raise NotSimulated(f"ip address {cmd}")
    raise ip.fail(f'Command "{cmd}" is unknown, try "ip address help".')


def addr_modify(ip: Ip, args: Args, delete: bool) -> int:
    dev: str | None = None
    label: str | None = None
    local: tuple[IPv4Address, int, bool] | None = None
    local_arg = ""
    peer: tuple[IPv4Address, int] | None = None
    brd: str | IPv4Address | None = None
    scope: str | None = None
    noprefixroute = False
    while args:
        word = args.cur
        if word in ("peer", "remote"):
            value = args.next()
            if peer is not None:
                raise ip.duparg("peer", value)
            address, plen, _ = ip.address_with_length(value)
            peer = (address, plen)
            ip.family = ip.family or "inet"  # the request's family is now set
        elif matches(word, "broadcast") or word == "brd":
            value = args.next()
            if brd is not None:
                raise ip.duparg("broadcast", value)
            brd = value if value in ("+", "-") else ip.get_addr(value)
            ip.family = ip.family or ("" if isinstance(brd, str) else "inet")
        elif word == "scope":
            value = args.next()
            scope = parse_scope(value)
            if scope is None:
                raise ip.invarg("invalid scope value.", value)
        elif word == "dev":
            dev = args.next()
        elif word == "label":
            label = args.next()
        elif word in FLAGS:
            if word != "noprefixroute":
                raise NotSimulated(f"the address flag {word}")
            noprefixroute = True
        elif word in READONLY_FLAGS:
            ip.err(f"Warning: {word} option is not mutable from userspace\n")
        elif word in ("valid_lft", "preferred_lft", "metric", "priority", "preference", "anycast"):
            raise NotSimulated(f"ip address {word}")
        else:
            if word == "local":
                word = args.next()
            if matches(word, "help"):
                raise ip.fail(ADDR_USAGE.rstrip("\n"))
            if local is not None:
                raise ip.duparg2("local", word)
            local_arg = word
            local = ip.address_with_length(word)
            ip.family = ip.family or "inet"
        args.advance()
    if dev is None:
        raise ip.fail('Not enough information: "dev" argument is required.', 1)
    wildcard = delete and local is not None and peer is None and not local[2]
    if wildcard:
        assert local is not None
        ip.err(
            "Warning: Executing wildcard deletion to stay compatible with old scripts.\n"
            f"         Explicitly specify the prefix length ({local_arg}/32) to avoid this warning.\n"
            "         This special behaviour is likely to disappear in further releases,\n"
            "         fix your scripts!\n"
        )
    if dev not in ip.netns.interfaces:
        raise ip.nodev(dev)
    if local is None:
        if peer is None:
            raise ip.kernel_error(NetnsError("EOPNOTSUPP"))
        raise NotSimulated("an address with only a peer")
    address, plen, _ = local
    if peer is not None:
        plen = peer[1]
    try:
        if delete:
            _delete(ip, dev, address, None if wildcard else plen, label)
        else:
            ifa = IfAddr(
                IPv4Interface(f"{address}/{plen}"),
                scope=scope or ("host" if address.is_loopback else "global"),
                label=label or dev,
                broadcast=_broadcast(brd, address, plen, peer),
                peer=peer[0] if peer is not None else None,
                noprefixroute=noprefixroute,
            )
            ip.netns.add_address(dev, ifa)
    except NetnsError as err:
        raise ip.kernel_error(err) from None
    return 0


def _broadcast(
    brd: str | IPv4Address | None, address: IPv4Address, plen: int, peer: tuple[IPv4Address, int] | None
) -> IPv4Address | None:
    """``brd +``/``brd -``: the prefix's host bits all ones or zeros (prefixes up to /30)."""
    if not isinstance(brd, str):
        return brd
    base = peer[0] if peer is not None else address
    if plen > 30:
        return None
    host = (1 << (32 - plen)) - 1
    value = int(base) | host if brd == "+" else int(base) & ~host & 0xFFFFFFFF
    return IPv4Address(value)


def _delete(ip: Ip, dev: str, address: IPv4Address, plen: int | None, label: str | None) -> None:
    """``inet_rtm_deladdr``: the first address with that local address (and length)."""
    for ifa in ip.netns.interfaces[dev].inet:
        if ifa.addr.ip != address or (plen is not None and ifa.addr.network.prefixlen != plen):
            continue
        if label is not None and ifa.label != label:
            continue
        ip.netns.remove_address(dev, ifa)
        return
    raise NetnsError("EADDRNOTAVAIL", "ipv4: Address not found")


def parse_filter(ip: Ip, words: list[str], selected: AddrFilter) -> str | None:
    """The selectors of ``ip addr show``/``ip link show``; returns the device named."""
    args = Args(ip, words)
    dev: str | None = None
    while args:
        word = args.cur
        if word == "to":
            network, given = ip.get_prefix(args.next())
            selected.to = (network, network.prefixlen)
        elif word == "scope":
            value = args.next()
            scope = parse_scope(value)
            if scope is None and value != "all":
                raise ip.invarg('invalid "scope"\n', value)
            selected.scope = scope
        elif word == "up":
            selected.up = True
        elif word in ("primary", "secondary"):
            selected.primary = word == "primary"
        elif word == "label":
            selected.label = args.next()
        elif word == "master":
            value = args.next()
            if value not in ip.netns.interfaces:
                raise ip.invarg("Device does not exist\n", value)
            selected.master = value
        elif word == "nomaster":
            selected.master = ""
        elif word == "type":
            kind = args.next()
            if kind.endswith("_slave"):
                selected.slave_kind = kind[: -len("_slave")]
            else:
                selected.kind = kind
        elif word in ("group", "vrf") or word in FLAGS + READONLY_FLAGS:
            raise NotSimulated(f"ip address show {word}")
        else:
            if word == "dev":
                word = args.next()
            elif matches(word, "help"):
                raise ip.fail(ADDR_USAGE.rstrip("\n"))
            if dev is not None:
                raise ip.duparg2("dev", word)
            dev = word
        args.advance()
    return dev


def list_links(ip: Ip, words: list[str], link_mode: bool, selected: AddrFilter) -> int:
    dev = parse_filter(ip, words, selected)
    netns = ip.netns
    if dev is not None and dev not in netns.interfaces:
        raise ip.fail(f'Device "{dev}" does not exist.', 1)
    links = sorted(netns.interfaces.values(), key=lambda i: i.index)
    if dev is not None:
        links = [netns.interfaces[dev]]
    ip.io.out(show_addresses(ip, links, selected, link_mode))
    return 0


def addr_flush(ip: Ip, words: list[str]) -> int:
    if not words:
        raise ip.fail("Flush requires arguments.", 1)
    if ip.family == "link":
        raise ip.fail("Cannot flush link addresses.", 1)
    selected = AddrFilter()
    dev = parse_filter(ip, words, selected)
    netns = ip.netns
    if dev is not None and dev not in netns.interfaces:
        raise ip.fail(f'Device "{dev}" does not exist.', 1)
    links = [netns.interfaces[dev]] if dev is not None else list(netns.interfaces.values())
    for iface in links:
        for ifa in list(iface.inet):
            if ifa in iface.inet and address_selected(ifa, selected):
                netns.remove_address(iface.name, ifa)
        flush_v6 = ip.family in ("", "inet6") and selected.label is None and selected.to is None
        if flush_v6 and selected.scope in (None, "link") and selected.primary is not False:
            iface.link_local = None  # the IPv6 link-local address goes too (not its link)
    return 0
