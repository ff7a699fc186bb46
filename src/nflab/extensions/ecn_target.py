"""``-j ECN`` (libipt_ECN.c, kernel ipt_ECN.c): clear or set the ECN bits of the IPv4
header and the TCP ECE/CWR flags."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb, XtVerdict
from ..packet.headers import TcpFlags


@dataclass(frozen=True, slots=True)
class EcnChange:
    """``struct ipt_ECN_info``: which fields to set (``set_ip``/``set_ece``/``set_cwr``)."""

    set_ip: bool = False
    set_ece: bool = False
    set_cwr: bool = False
    ip_ect: int = 0
    ece: int = 0
    cwr: int = 0

    @property
    def is_remove(self) -> bool:
        return self == EcnChange(set_ece=True, set_cwr=True)


@register
class EcnTarget(TargetExtension):
    name = "ECN"
    tables = frozenset({"mangle"})
    options = (
        Opt("ecn-tcp-remove", excl=("ecn-tcp-cwr", "ecn-tcp-ece")),
        Opt("ecn-tcp-cwr", OptType.UINT8, max=1, excl=("ecn-tcp-remove",)),
        Opt("ecn-tcp-ece", OptType.UINT8, max=1, excl=("ecn-tcp-remove",)),
        Opt("ecn-ip-ect", OptType.UINT8, max=3),
    )

    def new_state(self) -> dict[str, Any]:
        return {"change": EcnChange()}

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key, v = call.data, call.opt.id, call.value
        if key == "ecn-tcp-remove":
            # assigns the whole operation: an earlier --ecn-ip-ect is dropped
            d["change"] = EcnChange(set_ece=True, set_cwr=True)
        elif key == "ecn-tcp-cwr":
            d["change"] = replace(d["change"], set_cwr=True, cwr=v)
        elif key == "ecn-tcp-ece":
            d["change"] = replace(d["change"], set_ece=True, ece=v)
        else:
            d["change"] = replace(d["change"], set_ip=True, ip_ect=v)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> EcnChange:
        if not seen:
            raise ParameterProblem("ECN target: An operation is required")
        change: EcnChange = data["change"]
        return change

    def print(self, value: EcnChange, show: Show) -> str:
        if value.is_remove:
            return " ECN TCP remove"
        out = " ECN"
        out += f" ECE={value.ece}" if value.set_ece else ""
        out += f" CWR={value.cwr}" if value.set_cwr else ""
        out += f" ECT codepoint={value.ip_ect}" if value.set_ip else ""
        return out

    def save(self, value: EcnChange, show: Show) -> str:
        if value.is_remove:
            return " --ecn-tcp-remove"
        out = f" --ecn-tcp-ece {value.ece}" if value.set_ece else ""
        out += f" --ecn-tcp-cwr {value.cwr}" if value.set_cwr else ""
        out += f" --ecn-ip-ect {value.ip_ect}" if value.set_ip else ""
        return out

    def check(self, value: EcnChange, rule: RuleContext) -> None:
        if (value.set_ece or value.set_cwr) and (rule.proto != 6 or rule.proto_invert):
            raise KernelRejected("EINVAL", "cannot use operation on non-tcp rule")

    def target(self, value: EcnChange, skb: Skb, env: Env) -> XtVerdict:
        """``ecn_tg``: the IP codepoint, then the TCP flags of a TCP packet."""
        packet = skb.packet
        if value.set_ip and packet.ip.tos & 0x03 != value.ip_ect:
            packet = replace(
                packet, ip=replace(packet.ip, tos=(packet.ip.tos & ~0x03) | value.ip_ect)
            )
        seg = packet.tcp
        if (value.set_ece or value.set_cwr) and seg is not None:
            flags = seg.flags
            if value.set_ece:
                flags = flags | TcpFlags.ECE if value.ece else flags & ~TcpFlags.ECE
            if value.set_cwr:
                flags = flags | TcpFlags.CWR if value.cwr else flags & ~TcpFlags.CWR
            if flags != seg.flags:
                packet = replace(packet, l4=replace(seg, flags=int(flags)))
        skb.packet = packet
        return XtVerdict.CONTINUE
