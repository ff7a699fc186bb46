"""``-j TEE`` (libxt_TEE.c revision 1, kernel xt_TEE.c / nf_dup_ipv4.c): send a copy of the
packet to a gateway; the original goes on unchanged.

The copy is not sent from here: it is appended to ``env.events`` as
``("TEE", TeeClone)`` for the stack to route and send with ``ip_local_out``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address
from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict
from ..packet.headers import Packet


@dataclass(frozen=True, slots=True)
class Tee:
    """``struct xt_tee_tginfo``."""

    gateway: IPv4Address
    oif: str = ""


@dataclass(frozen=True, slots=True)
class TeeClone:
    """A copy to send (``nf_dup_ipv4``): untracked, routed to ``gateway`` (through
    ``oif`` when that interface exists), not duplicated again on its way out."""

    packet: Packet
    gateway: IPv4Address
    oif: str
    mark: int


@register
class TeeTarget(TargetExtension):
    name = "TEE"
    revision = 1
    options = (Opt("gateway", OptType.HOST, mand=True), Opt("oif", OptType.STRING))

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Tee:
        return Tee(data.get("gateway", IPv4Address(0)), put_string(data.get("oif", ""), 16))

    def print(self, value: Tee, show: Show) -> str:
        gateway = str(value.gateway) if show.numeric else show.names.host_name(value.gateway)
        out = f" TEE gw:{gateway or value.gateway}"
        return out + (f" oif={value.oif}" if value.oif else "")

    def save(self, value: Tee, show: Show) -> str:
        return f" --gateway {value.gateway}" + (f" --oif {value.oif}" if value.oif else "")

    def check(self, value: Tee, rule: RuleContext) -> None:
        if int(value.gateway) == 0:
            raise KernelRejected("EINVAL")  # tee_tg_check: no gateway

    def target(self, value: Tee, skb: Skb, env: Env) -> XtVerdict:
        """``nf_dup_ipv4``: the copy gets DF set, and one TTL less when it was received
        (PREROUTING, INPUT) so that two hosts cannot loop it forever."""
        ip = replace(skb.packet.ip, dont_fragment=True)
        if skb.hook in ("PREROUTING", "INPUT"):
            ip = replace(ip, ttl=(ip.ttl - 1) & 0xFF)
        clone = TeeClone(replace(skb.packet, ip=ip), value.gateway, value.oif, skb.mark)
        env.events.append(("TEE", clone))
        return XtVerdict.CONTINUE
