"""``-m comment`` (libxt_comment.c, kernel xt_comment.c): a note that always matches."""

from __future__ import annotations

from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.quoting import put_string, xtables_save_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb

XT_MAX_COMMENT_LEN = 256


@register
class CommentMatch(MatchExtension):
    name = "comment"
    options = (Opt("comment", OptType.STRING, mand=True),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> str | None:
        if "comment" not in data:
            return None  # the generic check reports the missing --comment
        return put_string(data["comment"], XT_MAX_COMMENT_LEN)

    def save(self, value: str, show: Show) -> str:
        return " --comment" + xtables_save_string(value)

    def print(self, value: str, show: Show) -> str:
        return f" /* {value} */"

    def matches(self, value: str, skb: Skb, env: Env) -> bool:
        return True
