"""The ``net.`` sysctls of one network namespace, with a new namespace's defaults.

The defaults are those of a fresh network namespace on this machine's kernel
(``data/sysctl-netns.txt``, captured with ``unshare -n sysctl -a``). Per
interface keys (``net.ipv4.conf.IF.*``, ``net.ipv6.conf.IF.*`` and the
``neigh`` ones) exist for every interface: a new one copies ``default``
(``devinet_init_net``, ``ipv6_add_dev``) and the neighbour table's defaults.
A write is checked as the kernel's ``proc_handler`` would (:meth:`Sysctls.write`
raises :class:`SysctlError` with the errno) and has its side effects: the
forwarding switches, ``default`` values reaching the interfaces that did not
set their own (``devinet_copy_dflt_conf``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources

_PER_IF = re.compile(r"^net\.(ipv4|ipv6)\.(conf|neigh)\.([^.]+)\.(.+)$")
_INT_MAX = 2**31 - 1

# present but not listed by ``sysctl -a`` (procps skips these deprecated names)
_DEPRECATED_NEIGH = {"ipv4": {"base_reachable_time": "30", "retrans_time": "100"},
                     "ipv6": {"base_reachable_time": "30", "retrans_time": "250"}}  # fmt: skip
WRITE_ONLY = frozenset({"net.ipv4.route.flush", "net.ipv6.route.flush"})
READ_ONLY = frozenset({
    "net.core.rmem_default", "net.core.rmem_max", "net.core.wmem_default", "net.core.wmem_max",
    "net.ipv4.tcp_allowed_congestion_control", "net.ipv4.tcp_available_congestion_control",
    "net.ipv4.tcp_ehash_entries", "net.ipv4.udp_hash_entries",
    "net.mptcp.available_path_managers", "net.mptcp.available_schedulers",
    "net.netfilter.nf_conntrack_buckets", "net.netfilter.nf_conntrack_count",
    "net.netfilter.nf_conntrack_expect_max", "net.netfilter.nf_conntrack_max",
})  # fmt: skip
_READ_ONLY_LEAVES = frozenset({"mc_forwarding"})
_UNREADABLE_LEAVES = frozenset({"stable_secret"})  # EIO until a secret is set


class SysctlError(Exception):
    """A write the kernel refuses: ``errno`` is the symbolic errno (EINVAL, ENOENT...)."""

    def __init__(self, errno: str):
        super().__init__(errno)
        self.errno = errno


@cache
def _template() -> tuple[tuple[str, str], ...]:
    text = resources.files("nflab").joinpath("data", "sysctl-netns.txt").read_text()
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            out.append((key, value))
    return tuple(out)


def sort_key(key: str) -> list[str]:
    """``sysctl -a`` order: /proc/sys lists each directory sorted by name."""
    return key.split(".")


def parse_ints(text: str, count: int) -> list[int]:
    """``proc_dointvec`` reading up to ``count`` integers (base 0, as ``strtoul``)."""
    values: list[int] = []
    rest = text
    while len(values) < count:
        rest = rest.lstrip(" \t\n")
        if not rest:
            break
        m = re.match(r"(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", rest)
        if m is None:
            raise SysctlError("EINVAL")
        rest = rest[m.end():]
        if rest and rest[0] not in " \t\n":
            raise SysctlError("EINVAL")
        value = int(m.group(2), 0)
        value = -value if m.group(1) else value
        if not -_INT_MAX - 1 <= value <= _INT_MAX:
            raise SysctlError("EINVAL")
        values.append(value)
    if not values:
        raise SysctlError("EINVAL")
    return values


class Sysctls:
    """Values by dotted name; interface keys appear and go with their interfaces."""

    def __init__(self) -> None:
        self.generation = 0  # counts writes: readers may cache what they derive from values
        self.values: dict[str, str] = {}
        self.hidden: dict[str, str] = {}  # readable, not listed (deprecated names)
        # values the kernel computes when read (``nf_conntrack_count``)
        self.live: dict[str, Callable[[], str]] = {}
        self.explicit: set[str] = set()  # per-interface IPv4 keys set by hand
        self.default_written: set[str] = set()  # ``default`` IPv4 leaves written (their state bit)
        self._neigh_defaults: dict[str, dict[str, str]] = {"ipv4": {}, "ipv6": {}}
        for key, value in _template():
            m = _PER_IF.match(key)
            if m and m.group(2) == "neigh":
                self._neigh_defaults[m.group(1)][m.group(4)] = value
            if m and m.group(3) not in ("all", "default", "lo"):
                continue
            self.values[key] = value
        for key in WRITE_ONLY:
            self.hidden[key] = ""
        self._add_hidden("lo")

    # -- interfaces ------------------------------------------------------------------

    def _add_hidden(self, name: str) -> None:
        for family, leaves in _DEPRECATED_NEIGH.items():
            for leaf, value in leaves.items():
                self.hidden[f"net.{family}.neigh.{name}.{leaf}"] = value
        for scope in ("all", "default", name):
            self.hidden[f"net.ipv6.conf.{scope}.stable_secret"] = ""

    def add_interface(self, name: str, mtu: int = 1500) -> None:
        """A new interface's keys: ``default``'s values, the neighbour defaults."""
        if name == "lo" and "net.ipv4.conf.lo.forwarding" in self.values:
            return
        for family in ("ipv4", "ipv6"):
            for key in [k for k in self.values if k.startswith(f"net.{family}.conf.default.")]:
                leaf = key.rsplit(".", 1)[1]
                value = str(mtu) if (family, leaf) == ("ipv6", "mtu") else self.values[key]
                self.values[f"net.{family}.conf.{name}.{leaf}"] = value
            for leaf, value in self._neigh_defaults[family].items():
                self.values[f"net.{family}.neigh.{name}.{leaf}"] = value
        # ``inetdev_init`` copies default's state bits too: a leaf written in ``default``
        # before the interface existed is one the interface no longer takes from it
        self.explicit.update(f"net.ipv4.conf.{name}.{leaf}" for leaf in self.default_written)
        self._add_hidden(name)

    def _interface_keys(self, table: dict[str, str], name: str) -> list[str]:
        out = []
        for key in table:
            m = _PER_IF.match(key)
            if m and m.group(3) == name:
                out.append(key)
        return out

    def remove_interface(self, name: str) -> None:
        for table in (self.values, self.hidden):
            for key in self._interface_keys(table, name):
                del table[key]
        self.explicit = {
            k for k in self.explicit if (m := _PER_IF.match(k)) is None or m.group(3) != name
        }

    def rename_interface(self, old: str, new: str) -> None:
        """``NETDEV_CHANGENAME``: the keys move, their values stay."""
        for table in (self.values, self.hidden):
            for key in self._interface_keys(table, old):
                m = _PER_IF.match(key)
                assert m is not None
                table[f"net.{m.group(1)}.{m.group(2)}.{new}.{m.group(4)}"] = table.pop(key)
        renamed = set()
        for key in self.explicit:
            m = _PER_IF.match(key)
            if m and m.group(3) == old:
                key = f"net.{m.group(1)}.{m.group(2)}.{new}.{m.group(4)}"
            renamed.add(key)
        self.explicit = renamed

    def freeze_interface(self, name: str) -> None:
        """``ipv4_devconf_setall``: the interface keeps its values, ``default`` no longer
        reaches it (an address was added to it, or it is lo coming up)."""
        self.explicit.update(k for k in self.values if k.startswith(f"net.ipv4.conf.{name}."))

    def set_mtu(self, name: str, mtu: int) -> None:
        key = f"net.ipv6.conf.{name}.mtu"
        if key in self.values:
            self.values[key] = str(mtu)

    # -- reading -------------------------------------------------------------------

    def get(self, key: str) -> str | None:
        live = self.live.get(key)
        if live is not None:
            return live()
        return self.values.get(key, self.hidden.get(key))

    def get_int(self, key: str, default: int = 0) -> int:
        value = self.get(key)
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default

    def exists(self, key: str) -> bool:
        return key in self.values or key in self.hidden

    def readable(self, key: str) -> bool:
        return key not in WRITE_ONLY

    def writable(self, key: str) -> bool:
        return key not in READ_ONLY and key.rsplit(".", 1)[-1] not in _READ_ONLY_LEAVES

    def read(self, key: str) -> str:
        """The file's text (``EIO`` for an unset ``stable_secret``)."""
        if key.rsplit(".", 1)[-1] in _UNREADABLE_LEAVES:
            raise SysctlError("EIO")
        value = self.get(key)
        if value is None:
            raise SysctlError("ENOENT")
        return value + "\n"

    def keys(self) -> list[str]:
        """The listed keys in ``sysctl -a`` order."""
        return sorted(self.values, key=sort_key)

    def all_keys(self) -> list[str]:
        return sorted([*self.values, *self.hidden], key=sort_key)

    # -- writing -------------------------------------------------------------------

    def set(self, key: str, value: str) -> None:
        if key not in self.values and key not in self.hidden:
            raise KeyError(key)
        self.write(key, value)

    def write(self, key: str, text: str) -> None:
        """What writing ``text`` to the key's /proc/sys file does."""
        if not self.exists(key):
            raise SysctlError("ENOENT")
        self.generation += 1
        if key in WRITE_ONLY:
            return  # ``route/flush``: the routing cache is flushed, nothing is kept
        old = self.get(key) or ""
        value = self._convert(key, old, text)
        if key in self.hidden:
            self.hidden[key] = value
            return
        m = _PER_IF.match(key)
        if key in ("net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding"):
            if value != old:
                self._forward_change(value)
            return
        self.values[key] = value
        if m and m.group(1) == "ipv4" and m.group(2) == "conf":
            if m.group(3) == "default" and m.group(4) != "forwarding":
                # (``devinet_sysctl_forward``: default's forwarding reaches no interface)
                self.default_written.add(m.group(4))
                self._copy_default(m.group(4), value)
            elif m.group(3) != "all":
                self.explicit.add(key)

    def _convert(self, key: str, old: str, text: str) -> str:
        if re.fullmatch(r"-?\d+(\t-?\d+)*", old):
            count = old.count("\t") + 1
            ints = parse_ints(text, count)
            values = [*ints, *[int(v) for v in old.split("\t")[len(ints):]]]
            if key == "net.ipv4.ip_local_port_range":
                low, high = values
                if high < low or low < self.get_int("net.ipv4.ip_unprivileged_port_start"):
                    raise SysctlError("EINVAL")
            return "\t".join(str(v) for v in values)
        value = text.split("\n", 1)[0]
        if key == "net.ipv4.tcp_congestion_control":
            available = (self.get("net.ipv4.tcp_available_congestion_control") or "").split()
            if value.strip() not in available:
                raise SysctlError("ENOENT")
            return value.strip()
        return value

    def _forward_change(self, value: str) -> None:
        """``inet_forward_change``: one switch for the namespace and every interface."""
        self.values["net.ipv4.ip_forward"] = value
        self.values["net.ipv4.conf.all.forwarding"] = value
        self.values["net.ipv4.conf.all.accept_redirects"] = "0" if value != "0" else "1"
        self.values["net.ipv4.conf.default.forwarding"] = value
        for key in self.values:
            if key.startswith("net.ipv4.conf.") and key.endswith(".forwarding"):
                self.values[key] = value

    def _copy_default(self, leaf: str, value: str) -> None:
        for key in list(self.values):
            m = _PER_IF.match(key)
            if (
                m and m.group(1) == "ipv4" and m.group(2) == "conf" and m.group(4) == leaf
                and m.group(3) not in ("all", "default") and key not in self.explicit
            ):
                self.values[key] = value

    # -- what the datapath asks --------------------------------------------------------

    def conf(self, iface: str, leaf: str) -> int:
        """A per-interface conf value combined with ``all`` the way the kernel reads it
        (``IN_DEV_ROUTE_LOCALNET``: all OR interface; rp_filter: the max of both)."""
        mine = self.get_int(f"net.ipv4.conf.{iface}.{leaf}")
        every = self.get_int(f"net.ipv4.conf.all.{leaf}")
        if leaf == "rp_filter":
            return max(mine, every)
        return mine or every
