"""``-m set`` (libxt_set.c revision 4, kernel xt_set.c): membership in an ipset.

An old-API extension. The set is looked up by name in the kernel while the
rule is parsed (``get_set_byname``); nflab has no ipset yet, so every name is
unknown and no ``-m set`` rule can be created, exactly as on a machine
without any set (``Set NAME doesn't exist.``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import xtables_strtoul
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

IPSET_MAXNAMELEN = 32
IPSET_DIM_MAX = 6
_COUNTERS = ("packets", "bytes")


@dataclass(frozen=True, slots=True)
class SetMatch:
    """``struct xt_set_info_match_v4``; counter tests are (op, value), op in eq/ne/lt/gt."""

    name: str
    dirs: tuple[str, ...]  # "src" | "dst" per dimension
    invert: bool = False
    return_nomatch: bool = False
    skip_counters: bool = False
    skip_subcounters: bool = False
    packets: tuple[str, int] | None = None
    bytes: tuple[str, int] | None = None


def _raw(name: str, takes_arg: bool) -> Opt:
    return Opt(name, OptType.STRING if takes_arg else OptType.NONE, raw=True)


def parse_dirs(text: str) -> tuple[str, ...]:
    """``parse_dirs``: comma list of words starting with ``src`` or ``dst``."""
    words = text.split(",")
    dirs = []
    for word in words[:IPSET_DIM_MAX]:
        if not word.startswith(("src", "dst")):
            raise ParameterProblem(
                "You must spefify (the comma separated list of) 'src' or 'dst'."
            )
        dirs.append(word[:3])
    if len(words) > IPSET_DIM_MAX:
        raise ParameterProblem(f"Can't be more src/dst options than {IPSET_DIM_MAX}.")
    return tuple(dirs)


def find_set(name: str) -> None:
    """``get_set_byname``: nflab has no ipset, so there is no set of any name."""
    raise ParameterProblem(f"Set {name} doesn't exist.\n")


@register
class SetMatchExtension(MatchExtension):
    name = "set"
    revision = 4
    options = (
        _raw("match-set", True),
        _raw("set", True),
        _raw("return-nomatch", False),
        _raw("update-counters", False),
        *(_raw(f"{c}-{op}", True) for c in _COUNTERS for op in ("eq", "lt", "gt")),
        _raw("update-subcounters", False),
    )

    def parse(self, call: Call) -> None:
        d, key, inv = call.data, call.opt.id, call.invert
        if key == "update-subcounters":
            d["skip_subcounters"] = d.get("skip_subcounters", False) or inv
        elif key == "update-counters":
            d["skip_counters"] = d.get("skip_counters", False) or inv
        elif key == "return-nomatch":
            if inv:
                raise ParameterProblem("--return-nomatch flag cannot be inverted")
            d["return_nomatch"] = True
        elif key.startswith(_COUNTERS):
            counter, op = key.split("-")
            if counter in d:
                raise ParameterProblem(f"only one of the --{counter}-[eq|lt|gt] is allowed")
            if inv and op != "eq":
                raise ParameterProblem(f"--{key} option cannot be inverted")
            value, _ = xtables_strtoul(call.arg or "", 0, 2**64 - 1)
            if value is None:
                raise ParameterProblem(f"Cannot parse {call.arg} as a counter value")
            d[counter] = ("ne" if inv else op, value)
        else:
            self._parse_match_set(call)

    def _parse_match_set(self, call: Call) -> None:
        d, arg = call.data, call.arg or ""
        if call.opt.id == "set":
            call.warnings.append("--set option deprecated, please use --match-set")
        if "name" in d:
            raise ParameterProblem("--match-set can be specified only once")
        cursor = call.cursor
        assert cursor is not None
        if cursor.optind >= len(cursor.argv) or cursor.argv[cursor.optind].startswith(("-", "!")):
            raise ParameterProblem("--match-set requires two args.")
        if len(arg.encode()) > IPSET_MAXNAMELEN - 1:
            raise ParameterProblem(
                f"setname `{arg}' too long, max {IPSET_MAXNAMELEN - 1} characters."
            )
        find_set(arg)
        d["dirs"] = parse_dirs(cursor.take())
        d["name"], d["invert"] = arg, call.invert
        call.seen.add("match-set")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> SetMatch:
        if "name" not in data:
            raise ParameterProblem("You must specify `--match-set' with proper arguments")
        return SetMatch(
            data["name"],
            data["dirs"],
            data["invert"],
            data.get("return_nomatch", False),
            data.get("skip_counters", False),
            data.get("skip_subcounters", False),
            data.get("packets"),
            data.get("bytes"),
        )

    def _text(self, value: SetMatch, sep: str) -> str:
        """``set_print_v4_matchinfo``."""
        out = f"{' !' if value.invert else ''} {sep}match-set {value.name} {','.join(value.dirs)}"
        if value.return_nomatch:
            out += f" {sep}return-nomatch"
        if value.skip_counters:
            out += f" ! {sep}update-counters"
        if value.skip_subcounters:
            out += f" ! {sep}update-subcounters"
        for counter in _COUNTERS:
            test = getattr(value, counter)
            if test is not None:
                op, number = test
                neg, op = ("! ", "eq") if op == "ne" else ("", op)
                out += f" {neg}{sep}{counter}-{op} {number}"
        return out

    def save(self, value: SetMatch, show: Show) -> str:
        return self._text(value, "--")

    def print(self, value: SetMatch, show: Show) -> str:
        return self._text(value, "")

    def matches(self, value: SetMatch, skb: Skb, env: Env) -> bool:
        raise NotImplementedError("-m set: nflab has no ipset yet")
