"""The ``net.`` sysctls of one network namespace, with a new namespace's defaults.

The defaults are those of a fresh network namespace on this machine's kernel
(``data/sysctl-netns.txt``, captured with ``unshare -n sysctl -a``): per
interface keys exist for ``all``, ``default`` and every interface, a new
interface taking ``default``'s values, as the kernel's devinet does.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_PER_IF = re.compile(r"^net\.ipv4\.(conf|neigh)\.([^.]+)\.(.+)$")


@cache
def _template() -> tuple[tuple[str, str], ...]:
    text = resources.files("nflab").joinpath("data", "sysctl-netns.txt").read_text()
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            out.append((key, value))
    return tuple(out)


class Sysctls:
    """Values by dotted name; interface keys appear as interfaces are created."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self._per_if_defaults: dict[str, dict[str, str]] = {"conf": {}, "neigh": {}}
        for key, value in _template():
            m = _PER_IF.match(key)
            if m and m.group(2) not in ("all", "default", "lo"):
                continue
            self.values[key] = value
            if m and m.group(2) == "default":
                self._per_if_defaults[m.group(1)][m.group(3)] = value

    def add_interface(self, name: str) -> None:
        """A new interface's keys, copied from ``default`` (``devinet_init_net``)."""
        if name == "lo":
            return
        for family, defaults in self._per_if_defaults.items():
            for leaf, value in defaults.items():
                self.values[f"net.ipv4.{family}.{name}.{leaf}"] = self.values.get(
                    f"net.ipv4.{family}.default.{leaf}", value
                )

    def remove_interface(self, name: str) -> None:
        for key in [k for k in self.values if f".{name}." in k and _PER_IF.match(k)]:
            m = _PER_IF.match(key)
            if m and m.group(2) == name:
                del self.values[key]

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def get_int(self, key: str, default: int = 0) -> int:
        value = self.values.get(key)
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default

    def set(self, key: str, value: str) -> None:
        if key not in self.values:
            raise KeyError(key)
        self.values[key] = value

    def conf(self, iface: str, leaf: str) -> int:
        """A per-interface conf value combined with ``all`` the way the kernel reads it
        (``IN_DEV_ROUTE_LOCALNET``: all OR interface; rp_filter: the max of both)."""
        mine = self.get_int(f"net.ipv4.conf.{iface}.{leaf}")
        every = self.get_int(f"net.ipv4.conf.all.{leaf}")
        if leaf == "rp_filter":
            return max(mine, every)
        return mine or every

    def keys(self) -> list[str]:
        return sorted(self.values)
