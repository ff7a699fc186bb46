"""``ip netns``: add, delete, list, exec, identify.

A machine's named namespaces are its ``/run/netns`` (listed newest first, as
readdir returns them on this kernel's tmpfs), each with the id the current
namespace knows it by, if any. ``exec`` runs the command as ``execvp`` would
find it, in the named namespace, and returns its status.
"""

from __future__ import annotations

from ..base import Io
from ..registry import find_program
from ..system import NotSimulated
from .common import Ip, matches
from .usage import NETNS_USAGE

RUN_DIR = "/run/netns"


def _invalid(name: str) -> bool:
    return not name or len(name) > 255 or "/" in name or name in (".", "..")


def do_netns(ip: Ip, words: list[str]) -> int:
    if not words:
        return netns_list(ip)
    if not ip.do_all and len(words) > 1 and _invalid(words[1]):
        raise ip.fail(f'Invalid netns name "{words[1]}"')
    cmd, rest = words[0], words[1:]
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        return netns_list(ip)
    if matches(cmd, "help"):
        raise ip.fail(NETNS_USAGE.rstrip("\n"))
    if matches(cmd, "add"):
        return netns_add(ip, rest)
    if matches(cmd, "delete"):
        return netns_delete(ip, rest)
    if matches(cmd, "identify"):
        return netns_identify(ip, rest)
    if matches(cmd, "exec"):
        return netns_exec(ip, rest)
    if any(matches(cmd, c) for c in ("list-id", "set", "pids", "monitor", "attach")):
        raise NotSimulated(f"ip netns {cmd}")
    raise ip.fail(f'Command "{cmd}" is unknown, try "ip netns help".')


def netns_list(ip: Ip) -> int:
    names = [n for n in ip.machine.namespaces if n]
    out = []
    for name in reversed(names):
        other = ip.machine.namespaces[name].netns
        nsid = ip.netns.nsids.get(other.id)
        out.append(name + (f" (id: {nsid})" if nsid is not None else "") + "\n")
    ip.io.out("".join(out))
    return 0


def netns_add(ip: Ip, rest: list[str]) -> int:
    if not rest:
        raise ip.fail("No netns name specified", 1)
    name = rest[0]
    if name in ip.machine.namespaces:
        raise ip.fail(f'Cannot create namespace file "{RUN_DIR}/{name}": File exists', 1)
    ip.machine.add_namespace(name)
    return 0


def netns_delete(ip: Ip, rest: list[str]) -> int:
    if ip.do_all:
        for name in [n for n in ip.machine.namespaces if n]:
            ip.machine.remove_namespace(name)
        return 0
    if not rest:
        raise ip.fail("No netns name specified", 1)
    name = rest[0]
    if not name or name not in ip.machine.namespaces:
        raise ip.fail(f'Cannot remove namespace file "{RUN_DIR}/{name}": No such file or directory', 1)
    ip.machine.remove_namespace(name)
    return 0


def netns_identify(ip: Ip, rest: list[str]) -> int:
    if rest:
        raise NotSimulated("ip netns identify PID")
    here = ip.netns
    names = [n for n, h in ip.machine.namespaces.items() if n and h.netns is here]
    ip.io.out((names[0] if names else "") + "\n")
    return 0


def netns_exec(ip: Ip, rest: list[str]) -> int:
    if ip.do_all:
        raise NotSimulated("ip -all netns exec")
    if not rest:
        raise ip.fail("No netns name specified", 1)
    if len(rest) < 2:
        raise ip.fail("No command specified", 1)
    name, argv = rest[0], rest[1:]
    if name not in ip.machine.namespaces:
        raise ip.fail(f'Cannot open network namespace "{name}": No such file or directory')
    ip.io.flush()
    program = find_program(argv[0])
    if program is None:
        raise ip.fail(f'exec of "{argv[0]}" failed: No such file or directory', 1)
    child = Io(stdin=ip.io.stdin, sink=ip.io._emit)
    ip.io.stdin = ""
    held = ip.machine.enter_namespace(name)  # the exec'd program runs in it: it lives on
    try:
        status = program(argv, child, ip.system.in_netns(name))  # type: ignore[attr-defined]
    finally:
        child.flush()
        ip.machine.leave_namespace(held)
    return status
