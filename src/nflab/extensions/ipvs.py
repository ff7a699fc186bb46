"""``-m ipvs`` (libxt_ipvs.c, kernel xt_ipvs.c): IPVS connection properties.

This machine's kernel has no ipvs module: iptables warns when loading the
extension and every rule is refused with ENOENT (``kernel_missing``). The
option parsing and texts are still those of libxt_ipvs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.addresses import plen_mask
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.paramact import bad_value
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb
from .conntrack import Addr, addr_text

METHODS = ("GATE", "IPIP", "MASQ")


@dataclass(frozen=True, slots=True)
class Ipvs:
    """``struct xt_ipvs_mtinfo``: given options (``ipvs`` alone is ``--ipvs``) and
    the inverted ones; ``vdir`` REPLY is stored as an inverted direction."""

    given: frozenset[str]
    inv: frozenset[str] = frozenset()
    vproto: int = 0
    vaddr: Addr | None = None
    vport: int = 0
    vmethod: str = ""
    vportctl: int = 0


@register
class IpvsMatch(MatchExtension):
    name = "ipvs"
    kernel_missing = True
    options = (
        Opt("ipvs", OptType.NONE, invert=True),
        Opt("vproto", OptType.PROTOCOL, invert=True),
        Opt("vaddr", OptType.HOSTMASK, invert=True),
        Opt("vport", OptType.PORT, invert=True),
        Opt("vdir", OptType.STRING),
        Opt("vmethod", OptType.STRING, invert=True),
        Opt("vportctl", OptType.PORT, invert=True),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        inv = d.setdefault("inv", set())
        if key == "vaddr":
            ip, plen = call.value
            d[key] = (ip, plen_mask(plen))
        elif key == "vdir":
            if arg.upper() not in ("ORIGINAL", "REPLY"):
                raise bad_value("ipvs", "--vdir", arg)
            (inv.add if arg.upper() == "REPLY" else inv.discard)("vdir")
        elif key == "vmethod":
            if arg.upper() not in METHODS:
                raise bad_value("ipvs", "--vmethod", arg)
            d[key] = arg.upper()
        if call.invert:
            inv.add(key)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Ipvs:
        """``ipvs_mt_check``: any option implies ``--ipvs``, which then cannot be negated."""
        if not seen:
            raise ParameterProblem("IPVS: At least one option is required")
        inv = frozenset(data.get("inv", ()))
        given = set(seen)
        if given - {"ipvs"}:
            if "ipvs" in inv:
                raise ParameterProblem("! --ipvs cannot be together with other options")
            given.add("ipvs")
        return Ipvs(
            frozenset(given),
            inv,
            data.get("vproto", 0),
            data.get("vaddr"),
            data.get("vport", 0),
            data.get("vmethod", ""),
            data.get("vportctl", 0),
        )

    def _dump(self, value: Ipvs, prefix: str, show: Show) -> str:
        def neg(key: str) -> str:
            return " !" if key in value.inv else ""

        out = ""
        if value.given == {"ipvs"}:
            out += f"{neg('ipvs')} {prefix}ipvs"
        if "vproto" in value.given:
            out += f"{neg('vproto')} {prefix}vproto {value.vproto}"
        if value.vaddr is not None:
            out += f"{neg('vaddr')} {prefix}vaddr {addr_text(value.vaddr, show)}"
        if "vport" in value.given:
            out += f"{neg('vport')} {prefix}vport {value.vport}"
        if "vdir" in value.given:
            out += f" {prefix}vdir {'REPLY' if 'vdir' in value.inv else 'ORIGINAL'}"
        if "vmethod" in value.given:
            out += f"{neg('vmethod')} {prefix}vmethod {value.vmethod}"
        if "vportctl" in value.given:
            out += f"{neg('vportctl')} {prefix}vportctl {value.vportctl}"
        return out

    def save(self, value: Ipvs, show: Show) -> str:
        return self._dump(value, "--", Show(True, show.names, show.proto))

    def print(self, value: Ipvs, show: Show) -> str:
        return self._dump(value, "", show)

    def matches(self, value: Ipvs, skb: Skb, env: Env) -> bool:
        raise NotImplementedError("-m ipvs: nflab has no IPVS (nor does this machine's kernel)")
