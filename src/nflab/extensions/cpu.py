"""``-m cpu`` (libxt_cpu.c, kernel xt_cpu.c): the CPU processing the packet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb


@dataclass(frozen=True, slots=True)
class Cpu:
    cpu: int
    invert: bool = False


@register
class CpuMatch(MatchExtension):
    name = "cpu"
    options = (Opt("cpu", OptType.UINT32, mand=True, invert=True),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Cpu | None:
        if "cpu" not in data:
            return None  # the generic check reports the missing --cpu
        return Cpu(data["cpu"], bool(data.get("cpu!")))

    def save(self, value: Cpu, show: Show) -> str:
        return f"{' !' if value.invert else ''} --cpu {value.cpu}"

    def print(self, value: Cpu, show: Show) -> str:
        return f" cpu {'! ' if value.invert else ''}{value.cpu}"

    def matches(self, value: Cpu, skb: Skb, env: Env) -> bool:
        raise NotImplementedError("-m cpu: nflab does not simulate which CPU handles a packet")
