"""``-m nfacct`` (libxt_nfacct.c, kernel xt_nfacct.c): count into a named nfacct object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.quoting import put_string, xtables_save_string
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

NFACCT_NAME_MAX = 32


class NfacctObject(Protocol):
    """What the match needs of an accounting object (``struct nf_acct``)."""

    def update(self, length: int) -> None:
        """Count one packet of ``length`` bytes (``nfnl_acct_update``)."""

    def overquota(self) -> bool | None:
        """None without a quota, else whether it is exceeded (``nfnl_acct_overquota``)."""


@dataclass(frozen=True, slots=True)
class Nfacct:
    name: str


@register
class NfacctMatch(MatchExtension):
    name = "nfacct"
    revision = 1
    options = (Opt("nfacct-name", OptType.STRING, min=1, mand=True),)

    def parse(self, call: Call) -> None:
        super().parse(call)
        if "\n" in (call.arg or ""):
            raise ParameterProblem("Newlines not allowed in --nfacct-name")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Nfacct | None:
        if "nfacct-name" not in data:
            return None  # the generic check reports the missing option
        return Nfacct(put_string(data["nfacct-name"], NFACCT_NAME_MAX))

    def save(self, value: Nfacct, show: Show) -> str:
        # " --nfacct-name" and xtables_save_string's own space: two spaces, as 1.8.9 prints
        return " --nfacct-name " + xtables_save_string(value.name)

    def print(self, value: Nfacct, show: Show) -> str:
        return " nfacct-name " + xtables_save_string(value.name)

    def check(self, value: Nfacct, rule: RuleContext) -> None:
        # ``nfacct_mt_checkentry``: the object must exist. nflab has no nfacct objects
        # (no ``nfacct add``) yet, so every name is unknown, as on a fresh machine.
        raise KernelRejected("ENOENT", f"accounting object `{value.name}' does not exist")

    def matches(self, value: Nfacct, skb: Skb, env: Env) -> bool:
        """``nfacct_mt``: count, then match unless the object has a quota not yet exceeded."""
        obj: NfacctObject = env.services["nfacct"][value.name]
        obj.update(skb.packet.length)
        return obj.overquota() is not False
