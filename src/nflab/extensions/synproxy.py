"""``-j SYNPROXY`` (libxt_SYNPROXY.c, kernel ipt_SYNPROXY.c): answer TCP SYNs with syncookies
and open the connection to the server only once the client completed the handshake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict

_FLAGS = ("sack-perm", "timestamp", "ecn")


@dataclass(frozen=True, slots=True)
class Synproxy:
    """``struct xt_synproxy_info``: ``wscale``/``mss`` are None when not given."""

    flags: frozenset[str] = frozenset()
    wscale: int | None = None
    mss: int | None = None


@register
class SynproxyTarget(TargetExtension):
    name = "SYNPROXY"
    hooks = frozenset({"INPUT", "FORWARD"})
    needs_conntrack = True
    options = (
        Opt("sack-perm"),
        Opt("timestamp"),
        Opt("wscale", OptType.UINT32),
        Opt("mss", OptType.UINT32),
        Opt("ecn"),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Synproxy:
        # the struct keeps a u8 wscale and a u16 mss: larger values are cut
        wscale = data["wscale"] & 0xFF if "wscale" in data else None
        mss = data["mss"] & 0xFFFF if "mss" in data else None
        return Synproxy(frozenset(seen & set(_FLAGS)), wscale, mss)

    def _words(self, value: Synproxy) -> list[str]:
        words: list[str] = [f for f in ("sack-perm", "timestamp") if f in value.flags]
        words += [] if value.wscale is None else [f"wscale {value.wscale}"]
        words += [] if value.mss is None else [f"mss {value.mss}"]
        return words + (["ecn"] if "ecn" in value.flags else [])

    def print(self, value: Synproxy, show: Show) -> str:
        return " SYNPROXY " + "".join(word + " " for word in self._words(value))

    def save(self, value: Synproxy, show: Show) -> str:
        return "".join(" --" + word for word in self._words(value))

    def check(self, value: Synproxy, rule: RuleContext) -> None:
        if rule.proto != 6 or rule.proto_invert:
            raise KernelRejected("EINVAL")  # synproxy_tg4_check: TCP rules only

    def target(self, value: Synproxy, skb: Skb, env: Env) -> XtVerdict:
        raise NotImplementedError("SYNPROXY: nflab does not model syncookie handshakes")
