"""``-m realm`` (libipt_realm.c, kernel xt_realm.c): the route's realm (``tclassid``).

Values are ``value[/mask]`` or a name from /etc/iproute2/rt_realms; a value
with an all-ones mask is printed by its name when it has one (``0`` is
``cosmos`` on Debian), also in ``-S`` output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.marks import ALL_ONES, mark_mask_text, parse_val_mask
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Realm:
    """``struct xt_realm_info``."""

    id: int = 0
    mask: int = ALL_ONES
    invert: bool = False


def realm_text(value: Realm, show: Show | None) -> str:
    """``xtables_print_val_mask`` with the realms map (none when numeric)."""
    if value.mask == ALL_ONES and show is not None:
        name = next((n for i, n in show.names.realms() if i == value.id), None)
        if name is not None:
            return name
    return mark_mask_text(value.id, value.mask)


@register
class RealmMatch(MatchExtension):
    name = "realm"
    hooks = frozenset({"POSTROUTING", "FORWARD", "OUTPUT", "INPUT"})
    options = (Opt("realm", OptType.STRING, invert=True, mand=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        assert call.arg is not None
        names = {name: ident for ident, name in reversed(call.names.realms())}
        call.data["value"] = parse_val_mask(call.arg, "realm", "realm", names)
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Realm:
        ident, mask = data.get("value", (0, ALL_ONES))
        return Realm(ident, mask, data.get("invert", False))

    def print(self, value: Realm, show: Show) -> str:
        inv = " !" if value.invert else ""
        return f"{inv} realm {realm_text(value, None if show.numeric else show)}"

    def save(self, value: Realm, show: Show) -> str:
        return f"{' !' if value.invert else ''} --realm {realm_text(value, show)}"

    def matches(self, value: Realm, skb: Skb, env: Env) -> bool:
        """``realm_mt``: ``(dst->tclassid & mask) == id``, xor the inversion."""
        return ((skb.realm & value.mask) == value.id) != value.invert
