"""``-m devgroup`` (libxt_devgroup.c, kernel xt_devgroup.c): device groups of in/out devices.

Values are ``value[/mask]`` or a name from /etc/iproute2/group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.marks import ALL_ONES, parse_val_mask, print_mark_mask
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

_SIDES = ("src-group", "dst-group")
# xt_devgroup_mt_checkentry: where the input / output device is known
_HOOKS = {
    "src-group": frozenset({"PREROUTING", "INPUT", "FORWARD"}),
    "dst-group": frozenset({"FORWARD", "OUTPUT", "POSTROUTING"}),
}


@dataclass(frozen=True, slots=True)
class GroupTest:
    group: int
    mask: int = ALL_ONES
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Devgroup:
    """``struct xt_devgroup_info``."""

    src: GroupTest | None = None
    dst: GroupTest | None = None


def _text(test: GroupTest, show: Show) -> str:
    """``xtables_print_val_mask`` with the group names unless numeric."""
    if test.mask == ALL_ONES and not show.numeric:
        name = next((n for i, n in show.names.devgroups() if i == test.group), None)
        if name is not None:
            return f" {name}"
    return print_mark_mask(test.group, test.mask)


@register
class DevgroupMatch(MatchExtension):
    name = "devgroup"
    options = tuple(Opt(side, OptType.STRING, invert=True) for side in _SIDES)

    def parse(self, call: Call) -> None:
        super().parse(call)
        names = {name: ident for ident, name in reversed(call.names.devgroups())}
        group, mask = parse_val_mask(call.arg or "", "devgroup", call.opt.name, names)
        call.data[call.opt.id + "="] = GroupTest(group, mask, call.invert)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Devgroup:
        if not seen:
            raise ParameterProblem(
                "devgroup match: You must specify either '--src-group' or '--dst-group'"
            )
        return Devgroup(data.get("src-group="), data.get("dst-group="))

    def _show(self, value: Devgroup, prefix: str, show: Show) -> str:
        out = ""
        for side, test in zip(_SIDES, (value.src, value.dst), strict=True):
            if test is not None:
                out += f"{' !' if test.invert else ''} {prefix}{side}{_text(test, show)}"
        return out

    def save(self, value: Devgroup, show: Show) -> str:
        # devgroup_save passes numeric=0: names are used in saved rules too
        return self._show(value, "--", Show(False, show.names, show.proto))

    def print(self, value: Devgroup, show: Show) -> str:
        return self._show(value, "", show)

    def check(self, value: Devgroup, rule: RuleContext) -> None:
        for side, test in zip(_SIDES, (value.src, value.dst), strict=True):
            if test is not None and rule.hooks - _HOOKS[side]:
                raise KernelRejected("EINVAL")

    def matches(self, value: Devgroup, skb: Skb, env: Env) -> bool:
        """``devgroup_mt``: ``((group ^ dev->group) & mask) == 0``, xor the inversion."""
        for test, dev in ((value.src, skb.in_iface), (value.dst, skb.out_iface)):
            if test is not None:
                same = (test.group ^ env.device_group(dev)) & test.mask == 0
                if same == test.invert:
                    return False
        return True
