"""``/proc/sys/net`` and ``/proc/net/nf_conntrack`` as a process sees them.

Both show the network namespace of the process that opens them, as on
Linux: ``cat /proc/sys/net/ipv4/ip_forward`` in ``ip netns exec ns0`` reads
ns0's switch. Each sysctl is a file; writing one goes through the same
checks as ``sysctl -w`` (a refused value fails the write with EINVAL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..extensions.recent import Recent, RecentTable, jiffies, list_rules, namespace_table
from ..netfilter.conntrack import listing_line
from ..stack.netns import Netns
from ..stack.sysctl import SysctlError
from .files import Device, DirProvider, FsError, Provider

SYS = "/proc/sys/"
CONNTRACK = "/proc/net/nf_conntrack"
RECENT = "/proc/net/xt_recent"


def key_of(path: str) -> str | None:
    """``/proc/sys/net/ipv4/ip_forward`` → ``net.ipv4.ip_forward``."""
    if not path.startswith(SYS + "net"):
        return None
    return path[len(SYS):].replace("/", ".")


@dataclass
class SysctlFile:
    netns: Netns
    key: str
    path: str

    @property
    def writable(self) -> bool:
        return self.netns.sysctls.writable(self.key)

    def read(self) -> str:
        if not self.netns.sysctls.readable(self.key):
            raise FsError("EACCES", self.path)
        try:
            return self.netns.sysctls.read(self.key)
        except SysctlError as err:
            raise FsError(err.errno, self.path) from None

    def write(self, text: str) -> None:
        try:
            self.netns.sysctls.write(self.key, text)
        except SysctlError as err:
            raise FsError(err.errno, self.path) from None


@dataclass
class ConntrackFile:
    netns: Netns
    now: Callable[[], float]
    writable = False

    def read(self) -> str:
        now = self.now()
        return "".join(listing_line(c, now, proc=True) + "\n" for c in self.netns.conntrack.entries(now))

    def write(self, text: str) -> None:
        raise FsError("EACCES", CONNTRACK)


@dataclass
class RecentFile:
    """``/proc/net/xt_recent/NAME``: the list ``-m recent --name NAME`` keeps."""

    netns: Netns
    rule: Recent  # the first rule using the list
    now: Callable[[], float]
    path: str
    writable = True

    def _table(self) -> RecentTable:
        return namespace_table(self.rule, self.netns.env)

    def read(self) -> str:
        return self._table().proc_text()

    def write(self, text: str) -> None:
        try:
            self._table().proc_write(text, jiffies(self.now()))
        except ValueError:
            raise FsError("EINVAL", self.path) from None


def _recent_rules(ns: Netns) -> dict[str, Recent]:
    return list_rules((ns.netfilter.nft, ns.netfilter.legacy))


def proc_mounts(netns: Callable[[], Netns], now: Callable[[], float]) -> tuple[Provider, DirProvider]:
    """The file and directory providers of the /proc of a process in ``netns()``."""

    def device(path: str) -> Device | None:
        if path == CONNTRACK:
            return ConntrackFile(netns(), now)
        folder, _, name = path.rpartition("/")
        if folder == RECENT:
            ns = netns()
            rule = _recent_rules(ns).get(name)
            return RecentFile(ns, rule, now, path) if rule is not None else None
        key = key_of(path)
        ns = netns()
        if key is None or not ns.sysctls.exists(key):
            return None
        return SysctlFile(ns, key, path)

    def directory(path: str) -> list[str] | None:
        if path == "/proc":
            return ["net", "sys"]
        if path == "/proc/sys":
            return ["net"]
        if path == "/proc/net":
            return ["nf_conntrack", "xt_recent"]
        if path == RECENT:
            return sorted(_recent_rules(netns()))
        key = key_of(path)
        if key is None:
            return None
        depth = key.count(".") + 1
        names = {
            k.split(".")[depth] for k in netns().sysctls.all_keys()
            if k.startswith(key + ".") and k.count(".") > depth - 1
        }  # fmt: skip
        return sorted(names) if names else None

    return device, directory
