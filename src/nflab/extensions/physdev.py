"""``-m physdev`` (libxt_physdev.c, kernel xt_physdev.c): bridge ports of bridged packets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.addresses import interface_matches, parse_interface
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

# save/print order (``physdev_save``)
_ORDER = ("physdev-is-in", "physdev-in", "physdev-is-out", "physdev-out", "physdev-is-bridged")


@dataclass(frozen=True, slots=True)
class Physdev:
    """``struct xt_physdev_info``: ``given`` options (bitmask), ``inv`` the inverted ones."""

    given: frozenset[str]
    inv: frozenset[str] = frozenset()
    physindev: str = ""
    physoutdev: str = ""


def _port_matches(pattern: str, name: str) -> bool:
    """``ifname_compare_aligned`` under the parsed mask: an empty name has an all-zero mask."""
    return pattern == "" or interface_matches(pattern, name)


@register
class PhysdevMatch(MatchExtension):
    name = "physdev"
    options = (
        Opt("physdev-in", OptType.STRING, invert=True),
        Opt("physdev-out", OptType.STRING, invert=True),
        Opt("physdev-is-in", OptType.NONE, invert=True),
        Opt("physdev-is-out", OptType.NONE, invert=True),
        Opt("physdev-is-bridged", OptType.NONE, invert=True),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        if call.opt.id in ("physdev-in", "physdev-out"):
            name = parse_interface(call.arg or "")  # xtables_parse_interface
            if "/" in name or " " in name:
                call.warnings.append(
                    f"Warning: weird character in interface `{name}' "
                    "('/' and ' ' are not allowed by the kernel)."
                )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Physdev:
        if not seen:
            raise ParameterProblem("PHYSDEV: no physdev option specified")
        inv = frozenset(k for k in seen if data.get(k + "!"))
        return Physdev(
            frozenset(seen), inv, data.get("physdev-in", ""), data.get("physdev-out", "")
        )

    def save(self, value: Physdev, show: Show) -> str:
        out = ""
        for key in _ORDER:
            if key in value.given:
                out += f"{' !' if key in value.inv else ''} --{key}"
                if key == "physdev-in":
                    out += f" {value.physindev}"
                elif key == "physdev-out":
                    out += f" {value.physoutdev}"
        return out

    def print(self, value: Physdev, show: Show) -> str:
        return " PHYSDEV match" + self.save(value, show)

    def check(self, value: Physdev, rule: RuleContext) -> None:
        """``physdev_mt_check``: the output port is unknown in OUTPUT unless bridged."""
        if (
            value.given & {"physdev-out", "physdev-is-out"}
            and ("physdev-is-bridged" not in value.given or "physdev-is-bridged" in value.inv)
            and "OUTPUT" in rule.hooks
        ):
            raise KernelRejected(
                "EINVAL",
                "--physdev-out and --physdev-is-out only supported in the FORWARD and "
                "POSTROUTING chains with bridged traffic",
            )

    def matches(self, value: Physdev, skb: Skb, env: Env) -> bool:
        """``physdev_mt``."""
        given, inv = value.given, value.inv
        indev, outdev = skb.bridge_in, skb.bridge_out
        if not indev and not outdev:
            # no bridge information: only inverted options can match
            return given <= inv
        if "physdev-is-bridged" in given and bool(outdev) == ("physdev-is-bridged" in inv):
            return False
        for key, port in (("physdev-is-in", indev), ("physdev-is-out", outdev)):
            if key in given and (not port) != (key in inv):
                return False
        in_ok = _port_matches(value.physindev, indev) != ("physdev-in" in inv)
        if "physdev-in" in given and indev and not in_ok:  # no input port: not tested
            return False
        if "physdev-out" not in given:
            return True
        if not outdev:
            return False
        return _port_matches(value.physoutdev, outdev) != ("physdev-out" in inv)
