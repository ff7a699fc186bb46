"""``-j CT`` and its alias ``-j NOTRACK`` (libxt_CT.c revision 2, kernel xt_CT.c).

In the raw table, before connection tracking sees the packet: ``--notrack``
leaves it untracked; otherwise a template (zone, helper, timeout policy,
event masks) is attached for the conntrack hook to build the entry from.
``-j NOTRACK`` is stored as CT with the alias flag: ``-S`` prints it back as
``-j NOTRACK``, while ``-L`` shows the kernel's name, ``CT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import xtables_strtoul
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.ctview import CtTemplate
from ..netfilter.skb import CtState, Env, Skb, XtVerdict

# ``ct_event_tbl`` / ``exp_event_tbl``: names in the order of their IPCT_* bits
CT_EVENTS = (
    "new",
    "related",
    "destroy",
    "reply",
    "assured",
    "protoinfo",
    "helper",
    "mark",
    "natseqinfo",
    "secmark",
)
EXP_EVENTS = ("new",)

# the conntrack helpers this kernel has built in, by name (case matters) and L4 protocol
HELPERS: dict[str, frozenset[int]] = {
    "ftp": frozenset({6}),
    "irc": frozenset({6}),
    "sane": frozenset({6}),
    "pptp": frozenset({6}),
    "Q.931": frozenset({6}),
    "sip": frozenset({6, 17}),
    "tftp": frozenset({17}),
    "amanda": frozenset({17}),
    "RAS": frozenset({17}),
    "netbios-ns": frozenset({17}),
    "snmp": frozenset({17}),
    "snmp_trap": frozenset({17}),
}


@dataclass(frozen=True, slots=True)
class CtInfo:
    """``struct xt_ct_target_info_v1``: ``zone_dirs`` holds ``orig``/``reply`` as given."""

    notrack: bool = False
    alias: bool = False  # XT_CT_NOTRACK_ALIAS: the rule was written ``-j NOTRACK``
    helper: str = ""
    timeout: str = ""
    ct_events: frozenset[str] = frozenset()
    exp_events: frozenset[str] = frozenset()
    zone: int = 0
    zone_dirs: frozenset[str] = frozenset()
    zone_mark: bool = False


def _parse_events(arg: str, table: tuple[str, ...]) -> frozenset[str]:
    """``ct_parse_events``: a comma list of exact names (an empty item is unknown too)."""
    for word in arg.split(","):
        if word not in table:
            raise ParameterProblem(f'Unknown event type "{word}"')
    return frozenset(arg.split(","))


def _events_text(events: frozenset[str], table: tuple[str, ...]) -> str:
    return ",".join(name for name in table if name in events)


def _zone_text(info: CtInfo) -> str:
    """``ct_print_zone_id`` after its prefix: ``-orig``/``-reply`` only when one alone."""
    suffix = f"-{next(iter(info.zone_dirs))}" if len(info.zone_dirs) == 1 else ""
    return f"{suffix} {'mark' if info.zone_mark else info.zone}"


@register
class CtTarget(TargetExtension):
    name = "CT"
    revision = 2
    tables = frozenset({"raw"})
    hooks = frozenset({"PREROUTING", "OUTPUT"})
    options = (
        Opt("notrack"),
        Opt("helper", OptType.STRING),
        Opt("timeout", OptType.STRING),
        Opt("ctevents", OptType.STRING),
        Opt("expevents", OptType.STRING),
        Opt("zone-orig", OptType.STRING),
        Opt("zone-reply", OptType.STRING),
        Opt("zone", OptType.STRING),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        if key == "notrack":
            d["notrack"] = True
        elif key == "helper":
            d["helper"] = put_string(arg, 16)
        elif key == "timeout":
            d["timeout"] = put_string(arg, 32)
        elif key == "ctevents":
            d["ct_events"] = _parse_events(arg, CT_EVENTS)
        elif key == "expevents":
            d["exp_events"] = _parse_events(arg, EXP_EVENTS)
        else:
            # ``ct_parse_zone_id``: direction and mark flags accumulate, the id is replaced
            if key != "zone":
                d["zone_dirs"] = d.get("zone_dirs", frozenset()) | {key.removeprefix("zone-")}
            d["zone"] = 0
            if arg.lower() == "mark":
                d["zone_mark"] = True
            else:
                zone, _ = xtables_strtoul(arg, 0, 0xFFFF)
                if zone is None:
                    raise ParameterProblem(f"Cannot parse {arg} as a zone ID")
                d["zone"] = zone

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> CtInfo:
        return CtInfo(**data)

    def alias(self, value: CtInfo) -> str:
        return "NOTRACK" if value.alias else "CT"

    def print(self, value: CtInfo, show: Show) -> str:
        if value.alias:
            return " NOTRACK"
        return " CT" + self._options(value, "")

    def save(self, value: CtInfo, show: Show) -> str:
        return "" if value.alias else self._options(value, "--")

    @staticmethod
    def _options(value: CtInfo, dashes: str) -> str:
        out = f" {dashes}notrack" if value.notrack else ""
        if value.helper:
            out += f" {dashes}helper {value.helper}"
        if value.timeout:
            # xt_CT's revisions 1 and 2 declare the revision 0 ``usersize`` (32 bytes), so
            # the kernel hands back only the first 4 bytes of the timeout name
            out += f" {dashes}timeout {value.timeout[:4]}"
        if value.ct_events:
            out += f" {dashes}ctevents {_events_text(value.ct_events, CT_EVENTS)}"
        if value.exp_events:
            out += f" {dashes}expevents {_events_text(value.exp_events, EXP_EVENTS)}"
        if value.zone_mark or value.zone:
            out += f" {dashes}zone{_zone_text(value)}"
        return out

    def takes_conntrack(self, value: CtInfo) -> bool:
        """``xt_ct_tg_check`` takes a conntrack reference unless the rule is ``--notrack``."""
        return not value.notrack

    def check(self, value: CtInfo, rule: RuleContext) -> None:
        """``xt_ct_tg_check``: notrack needs nothing; a helper or a timeout policy needs
        the rule's (non-inverted) L4 protocol, and must exist for it."""
        if value.notrack:
            return
        proto = 0 if rule.proto_invert else rule.proto
        if value.helper and proto not in HELPERS.get(value.helper, ()):
            raise KernelRejected("ENOENT", f'No such helper "{value.helper}"')
        if value.timeout:
            if not proto:
                raise KernelRejected("EINVAL")
            # no timeout policies exist: nflab has no nfct/cttimeout yet
            raise KernelRejected("ENOENT", f'No such timeout policy "{value.timeout}"')

    def target(self, value: CtInfo, skb: Skb, env: Env) -> XtVerdict:
        """``xt_ct_target``: a packet that already has conntrack state is left alone."""
        if skb.ct is not None or skb.notrack or skb.ct_template is not None:
            return XtVerdict.CONTINUE
        if value.notrack:
            skb.notrack = True
            skb.ctstate = CtState.UNTRACKED  # nf_ct_set(skb, NULL, IP_CT_UNTRACKED)
            return XtVerdict.CONTINUE
        dirs = value.zone_dirs
        skb.ct_template = CtTemplate(
            zone=value.zone,
            zone_dir=next(iter(dirs)) if len(dirs) == 1 else "",
            zone_from_mark=value.zone_mark,
            helper=value.helper,
            timeout=value.timeout,
            ct_events=value.ct_events,
            exp_events=value.exp_events,
        )
        return XtVerdict.CONTINUE


@register
class NotrackTarget(TargetExtension):
    """``-j NOTRACK``: no options, stored as ``CT`` with notrack and the alias flag."""

    name = "NOTRACK"
    real_name = "CT"
    revision = 2

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> CtInfo:
        return CtInfo(notrack=True, alias=True)
