"""``-m connbytes`` (libxt_connbytes.c, kernel xt_connbytes.c): conntrack accounting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.ctview import CtDir
from ..netfilter.skb import Env, Skb

U64_MAX = 2**64 - 1
DIRECTIONS = ("original", "reply", "both")
MODES = ("packets", "bytes", "avgpkt")


@dataclass(frozen=True, slots=True)
class Connbytes:
    """``struct xt_connbytes_info``: an inverted range is stored with from > to."""

    start: int
    end: int
    mode: str
    direction: str


@register
class ConnbytesMatch(MatchExtension):
    name = "connbytes"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    options = (
        Opt("connbytes", OptType.UINT64RC, mand=True, invert=True),
        Opt("connbytes-dir", OptType.STRING, mand=True),
        Opt("connbytes-mode", OptType.STRING, mand=True),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        if key == "connbytes":
            start = call.value[0]
            end = call.value[1] if call.nvals == 2 else U64_MAX
            if end < start:
                raise ParameterProblem(f"{start} should be less than {end}")
            d["range"] = (end, start) if call.invert else (start, end)
        elif key == "connbytes-dir" and arg not in DIRECTIONS:
            raise ParameterProblem(f"Unknown --connbytes-dir `{arg}'")
        elif key == "connbytes-mode" and arg not in MODES:
            raise ParameterProblem(f"Unknown --connbytes-mode `{arg}'")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Connbytes | None:
        if not {"connbytes", "connbytes-dir", "connbytes-mode"} <= seen:
            return None  # the generic check reports what is missing
        start, end = data["range"]
        return Connbytes(start, end, data["connbytes-mode"], data["connbytes-dir"])

    def _text(self, value: Connbytes, prefix: str) -> str:
        """``print_from_to``."""
        out = ""
        start, end = value.start, value.end
        if start > end:
            out = " !"
            start, end = end, start
        out += f" {prefix}connbytes {start}"
        if end and end < U64_MAX:
            out += f":{end}"
        return out

    def save(self, value: Connbytes, show: Show) -> str:
        return (
            self._text(value, "--")
            + f" --connbytes-mode {value.mode} --connbytes-dir {value.direction}"
        )

    def print(self, value: Connbytes, show: Show) -> str:
        return (
            self._text(value, "")
            + f" connbytes mode {value.mode} connbytes direction {value.direction}"
        )

    def matches(self, value: Connbytes, skb: Skb, env: Env) -> bool:
        """``connbytes_mt``: packets, bytes or average packet size of the connection."""
        ct = skb.ct
        if ct is None:
            return False
        dirs = {
            "original": (CtDir.ORIGINAL,),
            "reply": (CtDir.REPLY,),
            "both": (CtDir.ORIGINAL, CtDir.REPLY),
        }[value.direction]
        packets = sum(ct.counters(d)[0] for d in dirs)
        nbytes = sum(ct.counters(d)[1] for d in dirs)
        if value.mode == "packets":
            what = packets
        elif value.mode == "bytes":
            what = nbytes
        else:
            what = nbytes // packets if packets else 0
        if value.end >= value.start:
            return value.start <= what <= value.end
        return what < value.end or what > value.start  # inverted
