"""``-m osf`` (libxt_osf.c, kernel xt_osf.c): passive OS fingerprinting of TCP SYNs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb

MAXGENRELEN = 32


@dataclass(frozen=True, slots=True)
class Osf:
    """``struct xt_osf_info``: ``ttl``/``log`` are None when not given."""

    genre: str
    invert: bool = False
    ttl: int | None = None
    log: int | None = None


@register
class OsfMatch(MatchExtension):
    name = "osf"
    # ``xt_osf``: TCP only, on the input hooks
    proto = 6
    hooks = frozenset({"PREROUTING", "INPUT", "FORWARD"})
    options = (
        Opt("genre", OptType.STRING, mand=True, invert=True),
        Opt("ttl", OptType.UINT32, min=0, max=2),
        Opt("log", OptType.UINT32, min=0, max=2),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Osf | None:
        if "genre" not in data:
            return None  # the generic check reports the missing --genre
        genre = put_string(data["genre"], MAXGENRELEN)
        return Osf(genre, bool(data.get("genre!")), data.get("ttl"), data.get("log"))

    def save(self, value: Osf, show: Show) -> str:
        out = (" !" if value.invert else "") + f" --genre {value.genre}"
        if value.ttl is not None:
            out += f" --ttl {value.ttl}"
        if value.log is not None:
            out += f" --log {value.log}"
        return out

    def print(self, value: Osf, show: Show) -> str:
        return f" OS fingerprint match {'! ' if value.invert else ''}{value.genre}"

    def matches(self, value: Osf, skb: Skb, env: Env) -> bool:
        raise NotImplementedError("-m osf: nflab has no OS fingerprint database (nfnl_osf)")
