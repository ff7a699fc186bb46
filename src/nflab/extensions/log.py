"""``-j LOG`` (libxt_LOG.c, kernel xt_LOG.c + nf_log_syslog.c): log the packet, go on.

The line is the kernel's (:func:`~nflab.netfilter.logformat.format_log_line`),
printed at ``--log-level`` through ``env.log``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import xtables_save_string
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.logformat import LOG_MASK, LogFlag, context_of, format_log_line
from ..netfilter.skb import Env, Skb, XtVerdict

DEFAULT_LEVEL = 4  # LOG_WARNING
PREFIX_SIZE = 30  # ``char prefix[30]`` of struct xt_log_info

# glibc ``prioritynames``, first name per level (``priority2name``)
LEVEL_NAMES = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")
_FLAG_OPTIONS = (
    ("log-tcp-sequence", LogFlag.TCPSEQ, "tcp-sequence"),
    ("log-tcp-options", LogFlag.TCPOPT, "tcp-options"),
    ("log-ip-options", LogFlag.IPOPT, "ip-options"),
    ("log-uid", LogFlag.UID, "uid"),
    ("log-macdecode", LogFlag.MACDECODE, "macdecode"),
)


def put_string(arg: str, size: int) -> str:
    """``XTOPT_PUT`` of a string into ``char[size]``: silently cut to ``size - 1`` bytes."""
    return arg.encode()[: size - 1].decode(errors="ignore")


@dataclass(frozen=True, slots=True)
class Log:
    """``struct xt_log_info``."""

    level: int = DEFAULT_LEVEL
    flags: int = 0
    prefix: str = ""


@register
class LogTarget(TargetExtension):
    name = "LOG"
    options = (
        Opt("log-level", OptType.SYSLOGLEVEL),
        Opt("log-prefix", OptType.STRING, min=1),
        *(Opt(name) for name, _, _ in _FLAG_OPTIONS),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        if key == "log-prefix":
            assert call.arg is not None
            if "\n" in call.arg:
                raise ParameterProblem("Newlines not allowed in --log-prefix")
            call.data["prefix"] = put_string(call.arg, PREFIX_SIZE)
        elif key == "log-level":
            call.data["level"] = call.value
        else:
            flag = next(bit for name, bit, _ in _FLAG_OPTIONS if name == key)
            call.data["flags"] = call.data.get("flags", 0) | flag

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Log:
        return Log(data.get("level", DEFAULT_LEVEL), int(data.get("flags", 0)), data.get("prefix", ""))

    def save(self, value: Log, show: Show) -> str:
        out = ""
        if value.prefix:
            out += " --log-prefix" + xtables_save_string(value.prefix)
        if value.level != DEFAULT_LEVEL:
            out += f" --log-level {value.level}"
        out += "".join(f" --{name}" for name, bit, _ in _FLAG_OPTIONS if value.flags & bit)
        return out

    def print(self, value: Log, show: Show) -> str:
        out = " LOG"
        if show.numeric:
            out += f" flags {value.flags} level {value.level}"
        else:
            if 0 <= value.level < len(LEVEL_NAMES):
                out += f" level {LEVEL_NAMES[value.level]}"
            else:
                out += f" UNKNOWN level {value.level}"
            out += "".join(f" {word}" for _, bit, word in _FLAG_OPTIONS if value.flags & bit)
            if value.flags & ~LOG_MASK:
                out += " unknown-flags"
        if value.prefix:
            out += f' prefix "{value.prefix}"'
        return out

    def target(self, value: Log, skb: Skb, env: Env) -> XtVerdict:
        """``log_tg``: one kernel log line at the rule's level."""
        line = format_log_line(skb.packet, context_of(skb, value.prefix, value.flags))
        env.log(value.level, line)
        return XtVerdict.CONTINUE
