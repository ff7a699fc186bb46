"""``-j REJECT`` (libipt_REJECT.c, kernel ipt_REJECT.c ``reject_tg``).

Drops the packet and answers it: an ICMP destination-unreachable of the
chosen code, or a TCP RST. The answer is built by :mod:`nflab.netfilter.reject`
and handed to the stack as a ``("REJECT", packet)`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.reject import icmp_unreach, tcp_reset
from ..netfilter.skb import Env, Skb, XtVerdict

TCP_RESET = 7
ICMP_PORT_UNREACHABLE = 3

# ``reject_table`` by ``enum ipt_reject_with``: name, alias, ICMP code (None: not ICMP);
# index 4 (echo-reply) is no longer supported
REJECT_TYPES: tuple[tuple[str, str, int | None] | None, ...] = (
    ("icmp-net-unreachable", "net-unreach", 0),
    ("icmp-host-unreachable", "host-unreach", 1),
    ("icmp-proto-unreachable", "proto-unreach", 2),
    ("icmp-port-unreachable", "port-unreach", 3),
    None,
    ("icmp-net-prohibited", "net-prohib", 9),
    ("icmp-host-prohibited", "host-prohib", 10),
    ("tcp-reset", "tcp-rst", None),
    ("icmp-admin-prohibited", "admin-prohib", 13),
)


@dataclass(frozen=True, slots=True)
class Reject:
    """``struct ipt_reject_info``: the ``enum ipt_reject_with`` value."""

    with_: int = ICMP_PORT_UNREACHABLE

    @property
    def type_name(self) -> str:
        entry = REJECT_TYPES[self.with_]
        assert entry is not None
        return entry[0]


def reject_type(arg: str) -> int | None:
    """``REJECT_parse``: the first type whose name or alias starts with ``arg``
    (``strncasecmp`` on the argument's length: ``icmp-a`` is admin-prohibited)."""
    prefix = arg.lower()
    for index, entry in enumerate(REJECT_TYPES):
        if entry is not None and (entry[0].startswith(prefix) or entry[1].startswith(prefix)):
            return index
    return None


@register
class RejectTarget(TargetExtension):
    name = "REJECT"
    options = (Opt("reject-with", OptType.STRING),)
    tables = frozenset({"filter"})
    hooks = frozenset({"INPUT", "FORWARD", "OUTPUT"})

    def parse(self, call: Call) -> None:
        generic_parse(call)
        arg = call.arg or ""
        index = reject_type(arg)
        if index is None:
            if "echo-reply".startswith(arg.lower()) or "echoreply".startswith(arg.lower()):
                call.warnings.append("--reject-with echo-reply no longer supported")
            raise ParameterProblem(f'unknown reject type "{arg}"')
        call.data["with"] = index

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Reject:
        return Reject(data.get("with", ICMP_PORT_UNREACHABLE))

    def save(self, value: Reject, show: Show) -> str:
        return f" --reject-with {value.type_name}"

    def print(self, value: Reject, show: Show) -> str:
        return f" reject-with {value.type_name}"

    def check(self, value: Reject, rule: RuleContext) -> None:
        # reject_tg_check: "TCP_RESET invalid for non-tcp"
        if value.with_ == TCP_RESET and (rule.proto != 6 or rule.proto_invert):
            raise KernelRejected("EINVAL")

    def target(self, value: Reject, skb: Skb, env: Env) -> XtVerdict:
        """``reject_tg``: send the answer, drop the packet."""
        pkt = skb.packet
        dst_type = env.address_types(pkt.ip.dst)
        if value.with_ == TCP_RESET:
            answer = tcp_reset(pkt, env.default_ttl, dst_type)
        else:
            entry = REJECT_TYPES[value.with_]
            assert entry is not None and entry[2] is not None
            answer = icmp_unreach(
                pkt,
                entry[2],
                source=lambda: env.route_source(pkt.ip.src),
                # addressed to this host (``RTCF_LOCAL``): always so in INPUT
                local=skb.hook == "INPUT" or dst_type == "LOCAL",
                ttl=env.default_ttl,
                ident=env.rng.getrandbits(16),
                pkttype=skb.pkttype,
                dst_type=dst_type,
            )
        if answer is not None:
            env.events.append(("REJECT", answer))
        return XtVerdict.DROP
