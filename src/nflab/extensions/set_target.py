"""``-j SET`` (libxt_SET.c revision 3, kernel xt_set.c ``set_target_v3``): add the packet's
addresses/ports to an ipset, delete them, or map set entries' data onto the packet.

An old-API extension; sets are looked up by name while parsing, like ``-m set``
does, and nflab has no ipset yet, so naming any set fails (``Set NAME doesn't exist.``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import strtoui
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict
from .set import IPSET_MAXNAMELEN, find_set, parse_dirs

_SETS = ("add-set", "del-set", "map-set")
_FLAGS = ("exist", "map-mark", "map-prio", "map-queue")


@dataclass(frozen=True, slots=True)
class SetRef:
    """``struct xt_set_info``: a set (by name here, by index in the kernel) and directions."""

    name: str
    dirs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetAction:
    """``struct xt_set_info_target_v3``."""

    add_set: SetRef | None = None
    del_set: SetRef | None = None
    map_set: SetRef | None = None
    flags: frozenset[str] = frozenset()  # exist, map-mark, map-prio, map-queue
    timeout: int | None = None


def _raw(name: str, takes_arg: bool) -> Opt:
    return Opt(name, OptType.STRING if takes_arg else OptType.NONE, raw=True)


@register
class SetTarget(TargetExtension):
    name = "SET"
    revision = 3
    options = (
        _raw("add-set", True),
        _raw("del-set", True),
        _raw("exist", False),
        _raw("timeout", True),
        _raw("map-set", True),
        _raw("map-mark", False),
        _raw("map-prio", False),
        _raw("map-queue", False),
    )

    def parse(self, call: Call) -> None:
        d, key, arg = call.data, call.opt.id, call.arg or ""
        if key in _SETS:
            d[key] = self._parse_set(call, key, arg)
        elif key == "timeout":
            timeout = strtoui(arg, 0, 0xFFFFFFFE)
            if timeout is None:
                raise ParameterProblem(
                    "Invalid value for option --timeout or out of range 0-4294967294"
                )
            d["timeout"] = timeout
        else:
            d.setdefault("flags", set()).add(key)
        call.seen.add(key)

    @staticmethod
    def _parse_set(call: Call, key: str, name: str) -> SetRef:
        """``parse_target``: the set name, then its directions as the next word."""
        if key in call.data:
            raise ParameterProblem(f"--{key} can be specified only once")
        cursor = call.cursor
        assert cursor is not None
        if cursor.optind >= len(cursor.argv) or cursor.argv[cursor.optind].startswith(("-", "!")):
            raise ParameterProblem(f"--{key} requires two args.")
        if len(name.encode()) > IPSET_MAXNAMELEN - 1:
            raise ParameterProblem(
                f"setname `{name}' too long, max {IPSET_MAXNAMELEN - 1} characters."
            )
        find_set(name)
        return SetRef(name, parse_dirs(cursor.take()))

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> SetAction:
        """``set_target_check_v3``."""
        if not seen & set(_SETS):
            raise ParameterProblem(
                "You must specify either `--add-set' or `--del-set' or `--map-set'"
            )
        if "add-set" not in seen:
            if "exist" in seen:
                raise ParameterProblem("Flag `--exist' can be used with `--add-set' only")
            if "timeout" in seen:
                raise ParameterProblem("Option `--timeout' can be used with `--add-set' only")
        if "map-set" not in seen:
            for flag in ("map-mark", "map-prio", "map-queue"):
                if flag in seen:
                    raise ParameterProblem(f"Flag `--{flag}' can be used with `--map-set' only")
        elif not seen & {"map-mark", "map-prio", "map-queue"}:
            raise ParameterProblem(
                "You must specify flags `--map-mark' or '--map-prio` or `--map-queue'"
            )
        return SetAction(
            data.get("add-set"),
            data.get("del-set"),
            data.get("map-set"),
            frozenset(data.get("flags", ())),
            data.get("timeout"),
        )

    def _text(self, value: SetAction, dashes: str) -> str:
        out = self._ref(f"{dashes}add-set", value.add_set)
        out += f" {dashes}exist" if "exist" in value.flags else ""
        out += f" {dashes}timeout {value.timeout}" if value.timeout is not None else ""
        out += self._ref(f"{dashes}del-set", value.del_set)
        out += self._ref(f"{dashes}map-set", value.map_set)
        for flag in ("map-mark", "map-prio", "map-queue"):
            out += f" {dashes}{flag}" if flag in value.flags else ""
        return out

    @staticmethod
    def _ref(prefix: str, ref: SetRef | None) -> str:
        return "" if ref is None else f" {prefix} {ref.name} {','.join(ref.dirs)}"

    def print(self, value: SetAction, show: Show) -> str:
        return self._text(value, "")

    def save(self, value: SetAction, show: Show) -> str:
        return self._text(value, "--")

    def check(self, value: SetAction, rule: RuleContext) -> None:
        """``set_target_v3_checkentry``: mapping only in mangle, prio/queue only where the
        packet is routed already."""
        if value.map_set is not None:
            if rule.table != "mangle":
                raise KernelRejected("EINVAL", "--map-set only usable from mangle table")
            if value.flags & {"map-prio", "map-queue"} and rule.hooks - {
                "FORWARD",
                "OUTPUT",
                "POSTROUTING",
            }:
                raise KernelRejected(
                    "EINVAL",
                    "mapping of prio or/and queue is allowed only from OUTPUT/FORWARD/POSTROUTING chains",
                )

    def target(self, value: SetAction, skb: Skb, env: Env) -> XtVerdict:
        raise NotImplementedError("SET: nflab has no ipset yet")
