"""``ip link``: add (bridge, veth), set, delete, show.

The arguments are read as ``iplink_parse`` reads them: keywords first (so
``ip link add a type bridge`` takes ``a`` for ``address``), any other word
names the device; a veth's ``peer`` options are parsed the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...stack import linkops
from ...stack.interfaces import LinkKind
from ...stack.links import NetnsError
from ...stack.netns import Netns
from ..system import NotSimulated
from .common import Args, Ip, IpExit, matches
from .show import AddrFilter, show_addresses
from .usage import LINK_USAGE

KINDS = {"bridge": LinkKind.BRIDGE, "veth": LinkKind.VETH}
KNOWN_KINDS = {
    "bridge", "veth", "dummy", "vlan", "macvlan", "vxlan", "bond", "team", "ifb", "ipip",
    "gre", "gretap", "sit", "vcan", "vrf", "wireguard", "ipvlan", "tun", "tap", "nlmon",
}  # fmt: skip


@dataclass
class LinkRequest:
    """What ``iplink_parse`` gathered."""

    dev: str | None = None
    name: str | None = None
    up: bool | None = None
    mtu: int | None = None
    address: bytes | None = None
    master: str | None = None
    nomaster: bool = False
    netns: str | None = None
    kind: str | None = None
    rest: list[str] = field(default_factory=list)  # after ``type KIND``


def parse_mac(ip: Ip, text: str) -> bytes:
    """``ll_addr_a2n``: colon-separated hex bytes."""
    parts = text.split(":")
    if not all(re.fullmatch(r"[0-9a-fA-F]{1,2}", p) for p in parts):
        raise ip.fail(f'"{text}" is invalid lladdr.', 1)
    return bytes(int(p, 16) for p in parts)


def check_altifname(name: str) -> bool:
    return bool(name) and "/" not in name and not any(c.isspace() for c in name)


def check_ifname(name: str) -> bool:
    return len(name) < 16 and check_altifname(name)


def iplink_parse(ip: Ip, args: Args, create: bool) -> LinkRequest:
    req = LinkRequest()
    while args:
        word = args.cur
        if word == "up":
            req.up = True
        elif word == "down":
            req.up = False
        elif word == "name":
            value = args.next()
            if req.name is not None:
                raise ip.duparg("name", value)
            if not check_ifname(value):
                raise ip.invarg('"name" not a valid ifname', value)
            req.name = value
            if req.dev is None:
                req.dev = value
        elif matches(word, "address"):
            req.address = parse_mac(ip, args.next())
        elif word == "mtu":
            value = args.next()
            if req.mtu is not None:
                raise ip.duparg("mtu", value)
            if not re.fullmatch(r"-?\d+", value):
                raise ip.invarg('Invalid "mtu" value\n', value)
            req.mtu = int(value)
        elif word == "netns":
            value = args.next()
            if req.netns is not None:
                raise ip.duparg("netns", value)
            if value not in ip.machine.namespaces or not value:
                if re.fullmatch(r"\d+", value):
                    raise NotSimulated("ip link set netns PID")
                raise ip.invarg('Invalid "netns" value\n', value)
            req.netns = value
        elif matches(word, "master"):
            value = args.next()
            if value not in ip.netns.interfaces:
                raise ip.invarg("Device does not exist\n", value)
            req.master = value
        elif matches(word, "nomaster"):
            req.nomaster = True
        elif matches(word, "type"):
            req.kind = args.next()
            args.advance()
            req.rest = args.rest
            break
        elif word in ("txqueuelen", "qlen", "txqlen", "group", "mode", "state", "alias", "promisc",
                      "arp", "multicast", "allmulticast", "link", "broadcast", "brd", "index"):
            raise NotSimulated(f"ip link {word}")
        else:
            if matches(word, "help"):
                raise usage(ip)
            if word == "dev":
                word = args.next()
            if req.dev != req.name:
                raise ip.duparg2("dev", word)
            if not check_altifname(word):
                raise ip.invarg('"dev" not a valid ifname', word)
            req.dev = word
        args.advance()
    if req.name is None:
        req.name = req.dev
    elif req.dev is None:
        req.dev = req.name
    return req


def usage(ip: Ip) -> IpExit:
    return ip.fail(LINK_USAGE.rstrip("\n"))


def do_link(ip: Ip, words: list[str]) -> int:
    if not words:
        return link_show(ip, [])
    cmd, rest = words[0], words[1:]
    if matches(cmd, "add"):
        return link_add(ip, Args(ip, rest))
    if matches(cmd, "set") or matches(cmd, "change"):
        return link_set(ip, Args(ip, rest))
    if matches(cmd, "delete"):
        return link_delete(ip, Args(ip, rest))
    if matches(cmd, "show") or matches(cmd, "lst") or matches(cmd, "list"):
        return link_show(ip, rest)
    if matches(cmd, "help"):
        raise usage(ip)
    raise ip.fail(f'Command "{cmd}" is unknown, try "ip link help".')


def _lookup(ip: Ip, req: LinkRequest) -> str:
    if req.dev is None:
        raise ip.fail('Not enough information: "dev" argument is required.')
    if req.dev not in ip.netns.interfaces:
        raise ip.nodev(req.dev)
    return req.dev


def link_add(ip: Ip, args: Args) -> int:
    req = iplink_parse(ip, args, create=True)
    if req.kind is None:
        raise ip.fail('Not enough information: "type" argument is required', 1)
    if req.kind not in KINDS:
        if req.kind in KNOWN_KINDS:
            raise NotSimulated(f"ip link add type {req.kind}")
        raise ip.kernel_error(NetnsError("EOPNOTSUPP", "Unknown device type"))
    here = _target(ip, req)
    try:
        if req.kind == "veth":
            peer = _veth_peer(ip, req)
            there = _target(ip, peer)
            name = req.name or _free_name(here, "veth")
            peer_name = peer.name or _free_name(there, "veth", avoid=name)
            linkops.veth_pair(here, name, there, peer_name)
            created = [(here, name, req), (there, peer_name, peer)]
        else:
            if req.rest:
                raise NotSimulated(f"ip link add type bridge {' '.join(req.rest)}")
            name = req.name or _free_name(here, "bridge")
            here.add_interface(name, LinkKind.BRIDGE)
            created = [(here, name, req)]
        for where, dev, options in created:
            options.netns = None  # created there already
            _apply(ip, where, dev, options)
    except NetnsError as err:
        raise ip.kernel_error(err) from None
    return 0


def _target(ip: Ip, req: LinkRequest) -> Netns:
    """The namespace a new link is created in (``netns NS`` among its options)."""
    if req.netns is None:
        return ip.netns
    netns: Netns = ip.machine.namespaces[req.netns].netns
    return netns


def _veth_peer(ip: Ip, req: LinkRequest) -> LinkRequest:
    if not req.rest:
        return LinkRequest()
    if req.rest[0] != "peer":
        raise ip.fail(f'Garbage instead of arguments "{req.rest[0]} ...". Try "ip link help".', 1)
    peer = iplink_parse(ip, Args(ip, req.rest[1:]), create=True)
    if peer.kind is not None:
        raise NotSimulated("a type for a veth peer")
    return peer


def _free_name(netns: Netns, prefix: str, avoid: str = "") -> str:
    """The kernel's ``%d`` names: ``veth0``, ``bridge0``..."""
    n = 0
    while f"{prefix}{n}" in netns.interfaces or f"{prefix}{n}" == avoid:
        n += 1
    return f"{prefix}{n}"


def _apply(ip: Ip, netns: Netns, dev: str, req: LinkRequest) -> None:
    """The attributes of a new link (or of ``ip link set``), in the kernel's order."""
    if req.netns is not None:
        linkops.move_link(netns, dev, ip.machine.namespaces[req.netns].netns, ip.resolve)
        netns = ip.machine.namespaces[req.netns].netns
    if req.mtu is not None:
        if req.mtu < 68:
            raise NetnsError("EINVAL", "mtu less than device minimum")
        if req.mtu > 65535:
            raise NetnsError("EINVAL", "mtu greater than device maximum")
        netns.set_mtu(dev, req.mtu)
    if req.address is not None:
        if len(req.address) != 6:
            raise ip.fail(f"Invalid address length {len(req.address)} - must be 6 bytes", 1)
        netns.set_mac(dev, req.address)
    if req.nomaster:
        linkops.set_master(netns, dev, None)
    if req.master is not None:
        linkops.set_master(netns, dev, req.master)
    if req.up is not None:
        linkops.set_link_up(netns, dev, req.up, ip.now, ip.resolve)


def link_set(ip: Ip, args: Args) -> int:
    req = iplink_parse(ip, args, create=False)
    if req.kind is not None:
        raise NotSimulated("ip link set type")
    dev = _lookup(ip, req)
    netns = ip.netns
    try:
        if req.name is not None and req.name != dev:
            netns.rename_interface(dev, req.name)
            dev = req.name
        _apply(ip, netns, dev, req)
    except NetnsError as err:
        raise ip.kernel_error(err) from None
    return 0


def link_delete(ip: Ip, args: Args) -> int:
    req = iplink_parse(ip, args, create=False)
    dev = _lookup(ip, req)
    try:
        linkops.delete_link(ip.netns, dev, ip.resolve)
    except NetnsError as err:
        raise ip.kernel_error(err) from None
    return 0


def link_show(ip: Ip, words: list[str]) -> int:
    from .addr import list_links

    ip.family = "link"  # ``ipaddr_list_link``: -4/-6 do not apply
    return list_links(ip, words, link_mode=True, selected=AddrFilter())


__all__ = ["do_link", "show_addresses"]
