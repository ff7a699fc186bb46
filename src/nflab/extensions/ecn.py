"""``-m ecn`` (libxt_ecn.c, kernel xt_ecn.c): the ECN codepoint of the IP header and the
ECE/CWR flags of TCP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb
from ..packet.headers import TcpFlags

CWR, ECE, IP = 0x1, 0x2, 0x4  # XT_ECN_OP_MATCH_*
_BY_OPTION = {"ecn-tcp-cwr": CWR, "ecn-tcp-ece": ECE, "ecn-ip-ect": IP}


@dataclass(frozen=True, slots=True)
class Ecn:
    """``struct xt_ecn_info``: ``operation`` and ``invert`` are XT_ECN_OP_MATCH_* bits."""

    operation: int
    invert: int = 0
    ip_ect: int = 0


@register
class EcnMatch(MatchExtension):
    name = "ecn"
    options = (
        Opt("ecn-tcp-cwr", invert=True),
        Opt("ecn-tcp-ece", invert=True),
        Opt("ecn-ip-ect", OptType.UINT8, min=0, max=3, invert=True),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Ecn:
        if not seen:
            raise ParameterProblem("ECN match: some option required")
        operation = invert = 0
        for opt, bit in _BY_OPTION.items():
            if opt in seen:
                operation |= bit
                invert |= bit if data.get(opt + "!") else 0
        return Ecn(operation, invert, data.get("ecn-ip-ect", 0))

    def _flags(self, value: Ecn) -> list[tuple[str, str, bool]]:
        """(save option, -L word, inverted) in print order: ECE, CWR, IP."""
        out = []
        for bit, opt, word in ((ECE, "--ecn-tcp-ece", "ECE"), (CWR, "--ecn-tcp-cwr", "CWR")):
            if value.operation & bit:
                out.append((opt, word, bool(value.invert & bit)))
        if value.operation & IP:
            out.append(
                (f"--ecn-ip-ect {value.ip_ect}", f"ECT={value.ip_ect}", bool(value.invert & IP))
            )
        return out

    def save(self, value: Ecn, show: Show) -> str:
        return "".join(f"{' !' if inv else ''} {opt}" for opt, _, inv in self._flags(value))

    def print(self, value: Ecn, show: Show) -> str:
        return " ECN match" + "".join(
            f" {'!' if inv else ''}{word}" for _, word, inv in self._flags(value)
        )

    def check(self, value: Ecn, rule: RuleContext) -> None:
        """``ecn_mt_check4``: the TCP bits need ``-p tcp``."""
        if value.operation & (ECE | CWR) and (rule.proto != 6 or rule.proto_invert):
            raise KernelRejected("EINVAL", "xt_ecn: cannot match TCP bits for non-tcp packets")

    def matches(self, value: Ecn, skb: Skb, env: Env) -> bool:
        """``ecn_mt4``."""
        ip_ok = (skb.packet.ip.tos & 0x3) == value.ip_ect
        if value.operation & IP and ip_ok == bool(value.invert & IP):
            return False
        if value.operation & (ECE | CWR):
            tcp = skb.packet.tcp
            if tcp is None:
                return False
            for bit, flag in ((ECE, TcpFlags.ECE), (CWR, TcpFlags.CWR)):
                if value.operation & bit and bool(tcp.flags & flag) == bool(value.invert & bit):
                    return False
        return True
