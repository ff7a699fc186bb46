"""``-j TPROXY`` (libxt_TPROXY.c revision 1, kernel xt_TPROXY.c ``tproxy_tg4``).

Hands a packet to a local transparent socket without changing it: the
socket already connected for these addresses, else the one listening on
``--on-ip``:``--on-port`` (0 = the packet's own address or port). Only a
socket with IP_TRANSPARENT is taken; the packet then gets ``--tproxy-mark``
and is accepted, otherwise dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from ..iptables.errors import KernelRejected
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Opt, OptType
from ..netfilter.skb import Env, Skb, XtVerdict
from ..packet.headers import TcpFlags

_SYN_ONLY = TcpFlags.SYN | TcpFlags.RST | TcpFlags.ACK | TcpFlags.FIN


@dataclass(frozen=True, slots=True)
class Tproxy:
    """``struct xt_tproxy_target_info_v1`` (IPv4)."""

    lport: int
    laddr: IPv4Address = IPv4Address(0)
    mark: int = 0
    mask: int = 0


@register
class TproxyTarget(TargetExtension):
    name = "TPROXY"
    revision = 1
    options = (
        Opt("on-port", OptType.PORT, mand=True),
        Opt("on-ip", OptType.HOST),
        Opt("tproxy-mark", OptType.MARKMASK32),
    )
    tables = frozenset({"mangle"})
    hooks = frozenset({"PREROUTING"})

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Tproxy:
        mark, mask = data.get("tproxy-mark", (0, 0))
        return Tproxy(data.get("on-port", 0), data.get("on-ip", IPv4Address(0)), mark, mask)

    def save(self, value: Tproxy, show: Show) -> str:
        return (
            f" --on-port {value.lport} --on-ip {value.laddr}"
            f" --tproxy-mark 0x{value.mark:x}/0x{value.mask:x}"
        )

    def print(self, value: Tproxy, show: Show) -> str:
        return f" TPROXY redirect {value.laddr}:{value.lport} mark 0x{value.mark:x}/0x{value.mask:x}"

    def check(self, value: Tproxy, rule: RuleContext) -> None:
        # tproxy_tg4_check: "Can be used only with -p tcp or -p udp"
        if rule.proto not in (6, 17) or rule.proto_invert:
            raise KernelRejected("EINVAL")

    def target(self, value: Tproxy, skb: Skb, env: Env) -> XtVerdict:
        pkt = skb.packet
        l4 = pkt.tcp or pkt.udp
        if l4 is None:
            return XtVerdict.DROP  # no ports to read
        ip = pkt.ip
        lookup = env.tproxy_socket
        sk = lookup(ip.proto, ip.src, l4.sport, ip.dst, l4.dport, skb.in_iface, False)
        # nf_tproxy_laddr4: the device's first primary address when --on-ip is 0.0.0.0
        laddr = value.laddr if int(value.laddr) else (env.iface_first_address(skb.in_iface) or ip.dst)
        lport = value.lport or l4.dport
        if sk is not None and getattr(sk, "time_wait", False):
            # nf_tproxy_handle_time_wait4: a new SYN may reopen toward the listener
            tcp = pkt.tcp
            if tcp is not None and tcp.flags & _SYN_ONLY == TcpFlags.SYN:
                listener = lookup(ip.proto, ip.src, l4.sport, laddr, lport, skb.in_iface, True)
                if listener is not None:
                    sk = listener
        elif sk is None:
            sk = lookup(ip.proto, ip.src, l4.sport, laddr, lport, skb.in_iface, True)
        if sk is None or not getattr(sk, "transparent", False):
            return XtVerdict.DROP
        skb.mark = ((skb.mark & ~value.mask) ^ value.mark) & 0xFFFFFFFF
        skb.extra["sk"] = sk  # nf_tproxy_assign_sock: the socket receives the packet
        return XtVerdict.ACCEPT
