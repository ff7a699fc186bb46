"""``-m socket`` (libxt_socket.c revision 3, kernel xt_socket.c): a local socket exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb

FLAGS = ("transparent", "nowildcard", "restore-skmark")


@dataclass(frozen=True, slots=True)
class Socket:
    """``struct xt_socket_mtinfo3``: the flags given."""

    flags: frozenset[str] = frozenset()


@register
class SocketMatch(MatchExtension):
    name = "socket"
    revision = 3
    hooks = frozenset({"PREROUTING", "INPUT"})
    options = tuple(Opt(flag, OptType.NONE) for flag in FLAGS)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Socket:
        return Socket(frozenset(seen))

    def save(self, value: Socket, show: Show) -> str:
        return "".join(f" --{flag}" for flag in FLAGS if flag in value.flags)

    def print(self, value: Socket, show: Show) -> str:
        return " socket" + self.save(value, show)

    def matches(self, value: Socket, skb: Skb, env: Env) -> bool:
        """``socket_match``: sockets bound to 0.0.0.0 are ignored unless ``--nowildcard``,
        non-transparent ones with ``--transparent``; ``--restore-skmark`` copies SO_MARK."""
        sk = env.socket_lookup(skb)
        if sk is None:
            return False
        wildcard = "nowildcard" not in value.flags and bool(sk.bound_any)
        transparent = bool(sk.transparent) if "transparent" in value.flags else True
        if "restore-skmark" in value.flags and not wildcard and transparent:
            skb.mark = sk.mark
        return not wildcard and transparent
