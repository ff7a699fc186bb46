"""``-j NFLOG`` (libxt_NFLOG.c, kernel xt_NFLOG.c): pass the packet to nfnetlink_log, go on.

The prefix lives twice, as in iptables 1.8.9: cut to 63 bytes in the xt
target data (what iptables-legacy stores) and to 127 in the extension's
user data, which iptables-nft turns into a native ``log`` expression
(``nft.c: add_log``). Reading that expression back also forgets
``--nflog-range``, which only the xt data carried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.quoting import xtables_save_string
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.logformat import NflogEvent
from ..netfilter.skb import Env, Skb, XtVerdict
from .log import put_string

COPY_LEN = 0x1  # XT_NFLOG_F_COPY_LEN
PREFIX_SIZE = 64  # ``char prefix[64]`` of struct xt_nflog_info
NF_LOG_PREFIXLEN = 128
DEFAULT_THRESHOLD = 0


@dataclass(frozen=True, slots=True)
class Nflog:
    """``struct xt_nflog_info``; ``udata`` is the long prefix iptables-nft uses (it is not
    part of the xt data the legacy kernel compares)."""

    group: int = 0
    prefix: str = ""
    len: int = 0
    flags: int = 0
    threshold: int = DEFAULT_THRESHOLD
    udata: str = field(default="", compare=False)


@register
class NflogTarget(TargetExtension):
    name = "NFLOG"
    options = (
        Opt("nflog-group", OptType.UINT16),
        Opt("nflog-prefix", OptType.STRING, min=1),
        Opt("nflog-range", OptType.UINT32, excl=("nflog-size",)),
        Opt("nflog-size", OptType.UINT32, excl=("nflog-range",)),
        Opt("nflog-threshold", OptType.UINT16),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        key = call.opt.id
        if key == "nflog-prefix":
            assert call.arg is not None
            if "\n" in call.arg:
                raise ParameterProblem("Newlines not allowed in --log-prefix")
            call.data["prefix"] = put_string(call.arg, PREFIX_SIZE)
            call.data["udata"] = put_string(call.arg, NF_LOG_PREFIXLEN)
        else:
            call.data[key] = call.value
        # the final check prints a warning: keep where this command's warnings go
        call.data["warnings"] = call.warnings

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Nflog:
        if "nflog-range" in seen:  # NFLOG_check
            data["warnings"].append(
                "warn: --nflog-range has never worked and is no longer supported,"
                " please use --nflog-size instead"
            )
        size = "nflog-size" in seen
        return Nflog(
            group=data.get("nflog-group", 0),
            prefix=data.get("prefix", ""),
            len=data.get("nflog-size" if size else "nflog-range", 0),
            flags=COPY_LEN if size else 0,
            threshold=data.get("nflog-threshold", DEFAULT_THRESHOLD),
            udata=data.get("udata", ""),
        )

    def nft_readback(self, value: Nflog) -> Nflog:
        """``add_log`` then ``nft_parse_log``: the long prefix, no ``--nflog-range``."""
        length = value.len if value.flags & COPY_LEN else 0
        return Nflog(value.group, value.udata, length, value.flags, value.threshold, value.udata)

    def _text(self, value: Nflog, dashes: str) -> str:
        """``nflog_print``: ``-L`` and ``-S`` differ only by the leading dashes."""
        out = ""
        if value.prefix:
            out += f" {dashes}nflog-prefix" + xtables_save_string(value.prefix)
        if value.group:
            out += f" {dashes}nflog-group {value.group}"
        if value.flags & COPY_LEN:
            out += f" {dashes}nflog-size {value.len}"
        elif value.len:
            out += f" {dashes}nflog-range {value.len}"
        if value.threshold != DEFAULT_THRESHOLD:
            out += f" {dashes}nflog-threshold {value.threshold}"
        return out

    def save(self, value: Nflog, show: Show) -> str:
        return self._text(value, "--")

    def print(self, value: Nflog, show: Show) -> str:
        return self._text(value, "")

    def target(self, value: Nflog, skb: Skb, env: Env) -> XtVerdict:
        """``nflog_tg``: an ``("NFLOG", NflogEvent)`` for the listeners of the group."""
        event = NflogEvent(
            group=value.group,
            prefix=value.prefix,
            packet=skb.packet,
            hook=skb.hook,
            in_iface=skb.in_iface,
            out_iface=skb.out_iface,
            snaplen=value.len if value.flags & COPY_LEN else None,
            threshold=value.threshold,
            mark=skb.mark,
        )
        env.events.append(("NFLOG", event))
        return XtVerdict.CONTINUE
