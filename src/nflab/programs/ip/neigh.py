"""``ip neigh show``: the namespace's ARP entries as ``print_neigh`` prints them.

The table is the namespace's (:class:`~nflab.stack.neighbour.Neighbours`, filled by the
datapath); entries are listed in creation order (the kernel walks its hash table).
"""

from __future__ import annotations

from ipaddress import IPv4Network

from ...stack.interfaces import mac_text
from ..system import NotSimulated
from .common import Args, Ip, matches


def do_neigh(ip: Ip, words: list[str]) -> int:
    if not words:
        return neigh_list(ip, [], flush=False)
    cmd, rest = words[0], words[1:]
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        return neigh_list(ip, rest, flush=False)
    if matches(cmd, "flush"):
        return neigh_list(ip, rest, flush=True)
    if any(matches(cmd, c) for c in ("add", "delete", "change", "replace", "get", "help")):
        raise NotSimulated(f"ip neigh {cmd}")
    raise ip.fail(f'Command "{cmd}" is unknown, try "ip neigh help".')


def neigh_list(ip: Ip, words: list[str], flush: bool) -> int:
    args = Args(ip, words)
    dev: str | None = None
    to: IPv4Network | None = None
    while args:
        word = args.cur
        if word == "dev":
            dev = args.next()
            if dev not in ip.netns.interfaces:
                raise ip.fail(f'Cannot find device "{dev}"', 1)
        elif word in ("nud", "proxy", "unused", "master", "vrf", "nomaster", "protocol"):
            raise NotSimulated(f"ip neigh show {word}")
        else:
            if word == "to":
                word = args.next()
            if to is not None:
                raise ip.duparg2("to", word)
            to = ip.get_prefix(word)[0]
        args.advance()
    if flush and dev is None and to is None:
        raise ip.fail("Flush requires arguments.", 1)
    if ip.family not in ("", "inet"):
        return 0
    table = ip.netns.neighbours
    now = ip.now
    lines = []
    for entry in list(table.entries.values()):
        if (dev is not None and entry.dev != dev) or (to is not None and entry.address not in to):
            continue
        if flush:
            table.entries.pop((entry.dev, entry.address), None)
            continue
        on = "" if dev is not None else f"dev {entry.dev} "
        # ``neigh_fill_info``: the address only while the entry is valid
        mac = f"lladdr {mac_text(entry.mac)} " if entry.mac is not None and entry.valid else ""
        lines.append(f"{entry.address} {on}{mac}{entry.state(now)} \n")
    ip.io.out("".join(lines))
    return 0
