"""``-j TCPMSS`` (libxt_TCPMSS.c, kernel xt_TCPMSS.c): rewrite the MSS option of TCP SYNs.

``--set-mss N`` or ``--clamp-mss-to-pmtu`` (path MTU minus 40). The MSS is only
ever lowered; a SYN without the option gets one (at most 536), unless it
carries data or its header is already full.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict
from ..packet.headers import TcpFlags, TcpOption

CLAMP_PMTU = 0xFFFF  # XT_TCPMSS_CLAMP_PMTU
_MINLEN = 40  # sizeof(struct iphdr) + sizeof(struct tcphdr)
_DEFAULT_MSS = 536  # RFC 1122: what a peer assumes without the option


def has_syn_match(rule: RuleContext) -> bool:
    """``find_syn_match``: a ``-m tcp`` whose flag test wants SYN set, not inverted."""
    for entry in rule.matches:
        value = entry.value
        if entry.name == "tcp" and value.flg_cmp & TcpFlags.SYN and "flags" not in value.inv:
            return True
    return False


@register
class TcpmssTarget(TargetExtension):
    name = "TCPMSS"
    proto = 6
    options = (
        Opt("set-mss", OptType.UINT16, max=0xFFFF - 20),
        Opt("clamp-mss-to-pmtu"),
    )

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> int:
        if not seen:
            raise ParameterProblem("TCPMSS target: At least one parameter is required")
        # both may be given: the last one wins (the clamp flag is the mss value 0xffff)
        mss: int = data["mss"]
        return mss

    def parse(self, call: Call) -> None:
        super().parse(call)
        call.data["mss"] = CLAMP_PMTU if call.opt.id == "clamp-mss-to-pmtu" else call.value

    def print(self, value: int, show: Show) -> str:
        return " TCPMSS clamp to PMTU" if value == CLAMP_PMTU else f" TCPMSS set {value}"

    def save(self, value: int, show: Show) -> str:
        return " --clamp-mss-to-pmtu" if value == CLAMP_PMTU else f" --set-mss {value}"

    def check(self, value: int, rule: RuleContext) -> None:
        """``tcpmss_tg4_check``: clamping needs a route (FORWARD, OUTPUT, POSTROUTING);
        legacy rules must also match SYNs only (nft_compat skips that test)."""
        if value == CLAMP_PMTU and rule.hooks - {"FORWARD", "OUTPUT", "POSTROUTING"}:
            raise KernelRejected(
                "EINVAL",
                "path-MTU clamping only supported in FORWARD, OUTPUT and POSTROUTING hooks",
            )
        if rule.flavour == "legacy" and not has_syn_match(rule):
            raise KernelRejected("EINVAL", "Only works on TCP SYN packets")

    def target(self, value: int, skb: Skb, env: Env) -> XtVerdict:
        """``tcpmss_tg4`` / ``tcpmss_mangle_packet``."""
        packet = skb.packet
        if packet.ip.frag_offset:
            return XtVerdict.CONTINUE  # a later fragment has no TCP header
        seg = packet.tcp
        if seg is None:
            return XtVerdict.DROP
        if value == CLAMP_PMTU:
            out_mtu = env.route_mtu(packet.ip.dst) or 0
            in_mtu = env.route_mtu(packet.ip.src)  # tcpmss_reverse_mtu: no route, no limit
            min_mtu = out_mtu if in_mtu is None else min(out_mtu, in_mtu)
            if min_mtu <= _MINLEN:
                env.log(
                    3, f"xt_TCPMSS: unknown or invalid path-MTU ({min_mtu})"
                )  # net_err_ratelimited
                return XtVerdict.DROP
            newmss = min_mtu - _MINLEN
        else:
            newmss = value
        options = list(seg.options)
        for i, opt in enumerate(options):
            if opt.kind == 2 and len(opt.data) == 2:
                if int.from_bytes(opt.data, "big") <= newmss:
                    return XtVerdict.CONTINUE  # never raise the MSS
                options[i] = TcpOption(2, newmss.to_bytes(2, "big"))
                break
        else:
            if packet.payload or seg.header_length >= 60:
                return XtVerdict.CONTINUE  # no room to insert without moving data
            options.insert(0, TcpOption(2, min(newmss, _DEFAULT_MSS).to_bytes(2, "big")))
        skb.packet = replace(packet, l4=replace(seg, options=tuple(options)))
        return XtVerdict.CONTINUE
