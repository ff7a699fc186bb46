"""``-m string`` (libxt_string.c revision 1, kernel xt_string.c): find a byte pattern in
the packet with a textsearch algorithm (``bm``, ``kmp``; ``fsm`` takes a token program).

The search runs over the packet from its IP header on (what ``skb->data``
holds at the IP hooks), between ``--from`` and ``--to``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.quoting import put_string
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb
from ..packet.wire import emit

MAX_PATTERN = 128  # XT_STRING_MAX_PATTERN_SIZE
ALGO_SIZE = 16  # XT_STRING_MAX_ALGO_NAME_SIZE
_HEX = frozenset(b"0123456789abcdefABCDEF")
# lib/ts_fsm.c: token types 1..14, recurrences 1..5 (5 = TS_FSM_HEAD_IGNORE)
_FSM_TYPE_MAX, _FSM_RECUR_MAX, _FSM_HEAD_IGNORE = 14, 5, 5


@dataclass(frozen=True, slots=True)
class StringMatch:
    """``struct xt_string_info`` (revision 1)."""

    pattern: bytes
    algo: str
    from_offset: int = 0
    to_offset: int = 0xFFFF
    invert: bool = False
    icase: bool = False


def _argv_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def parse_hex_string(text: str) -> bytes:
    """``parse_hex_string``: ``|hex bytes|`` blocks, ``\\`` escapes, other characters as is."""
    s = _argv_bytes(text)
    if not s:
        raise ParameterProblem("STRING must contain at least one char")
    out = bytearray()
    i, hex_block, literal = 0, False, False
    n = len(s)
    while i < n:
        if len(out) >= MAX_PATTERN:
            raise ParameterProblem(f'STRING too long "{text}"')
        c = s[i]
        if c == 0x5C and not hex_block:  # backslash
            literal = True
        elif c == 0x5C:
            raise ParameterProblem("Cannot include literals in hex data")
        elif c == 0x7C:  # '|' opens or closes a hex block
            hex_block = not hex_block
            if hex_block:
                while i + 1 < n and s[i + 1] == 0x20:
                    i += 1
            if i + 1 >= n:
                break
            i += 1  # C goes on with the next character in the same round
        if literal:
            if i + 1 >= n:
                raise ParameterProblem("Bad literal placement at end of string")
            out.append(s[i + 1])
            i += 2
            literal = False
        elif hex_block:
            if i + 1 >= n:
                raise ParameterProblem("Odd number of hex digits")
            if i + 2 >= n:
                raise ParameterProblem("Invalid hex block")
            for digit in (s[i], s[i + 1]):
                if digit not in _HEX:
                    raise ParameterProblem(f"Invalid hex char '{chr(digit)}'")
            out.append(int(s[i : i + 2], 16))
            i += 3 if s[i + 2] == 0x20 else 2
        else:
            out.append(s[i])
            i += 1
    return bytes(out)


def _is_hex(pattern: bytes) -> bool:
    """``is_hex_string``: shown in hex when not all printable, or ending in a backslash."""
    return any(not 0x20 <= b <= 0x7E for b in pattern) or pattern[-1:] == b"\\"


def pattern_text(pattern: bytes) -> str:
    """The quoted pattern ``print_string``/``print_hex_string`` write."""
    if _is_hex(pattern):
        return '"|' + pattern.hex() + '|"'
    text = pattern.decode("ascii")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fsm_valid(pattern: bytes, icase: bool) -> bool:
    """``fsm_init``: a whole number of 4-byte tokens with valid type and recurrence."""
    if len(pattern) % 4 or icase:
        return False
    count = len(pattern) // 4
    for i in range(count):
        kind = int.from_bytes(pattern[4 * i : 4 * i + 2], "little")
        recur = pattern[4 * i + 2]
        if kind > _FSM_TYPE_MAX or recur > _FSM_RECUR_MAX:
            return False
        if recur == _FSM_HEAD_IGNORE and (i != 0 or i == count - 1):
            return False
    return True


@register
class StringMatchExtension(MatchExtension):
    name = "string"
    revision = 1
    options = (
        Opt("from", OptType.UINT16),
        Opt("to", OptType.UINT16),
        Opt("algo", OptType.STRING, mand=True),
        Opt("string", OptType.STRING, invert=True, excl=("hex-string",)),
        Opt("hex-string", OptType.STRING, invert=True, excl=("string",)),
        Opt("icase"),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        if key == "string":
            if len(_argv_bytes(arg)) > MAX_PATTERN:
                raise ParameterProblem(f'STRING too long "{arg}"')
            d["pattern"] = _argv_bytes(arg)
        elif key == "hex-string":
            d["pattern"] = parse_hex_string(arg)
        elif key == "algo":
            d["algo"] = put_string(arg, ALGO_SIZE)
        elif key in ("from", "to"):
            d[key] = call.value
        if call.invert:
            d["invert"] = True

    def finalize(
        self, data: dict[str, Any], seen: set[str], rule: RuleContext
    ) -> StringMatch | None:
        if not seen & {"string", "hex-string"}:
            raise ParameterProblem("STRING match: You must specify `--string' or `--hex-string'")
        if "algo" not in data:
            return None  # the generic check reports the missing --algo
        return StringMatch(
            data["pattern"],
            data["algo"],
            data.get("from", 0),
            data.get("to", 0xFFFF),
            bool(data.get("invert")),
            "icase" in seen,
        )

    def _text(self, value: StringMatch, words: tuple[str, str, str, str, str]) -> str:
        algo, frm, to, icase, _ = words
        out = f" {algo} {value.algo}"
        if value.from_offset:
            out += f" {frm} {value.from_offset}"
        if value.to_offset != 0xFFFF:
            out += f" {to} {value.to_offset}"
        return out + (f" {icase}" if value.icase else "")

    def save(self, value: StringMatch, show: Show) -> str:
        option = "--hex-string" if _is_hex(value.pattern) else "--string"
        out = f"{' !' if value.invert else ''} {option} {pattern_text(value.pattern)}"
        return out + self._text(value, ("--algo", "--from", "--to", "--icase", ""))

    def print(self, value: StringMatch, show: Show) -> str:
        out = f" STRING match {'!' if value.invert else ''} {pattern_text(value.pattern)}"
        return out + self._text(value, ("ALGO name", "FROM", "TO", "ICASE", ""))

    def check(self, value: StringMatch, rule: RuleContext) -> None:
        """``string_mt_check`` and ``textsearch_prepare``."""
        if value.from_offset > value.to_offset or not value.pattern:
            raise KernelRejected("EINVAL")
        if value.algo not in ("bm", "kmp", "fsm"):
            raise KernelRejected("ENOENT")  # no ts_<algo> module
        if value.algo == "fsm" and not _fsm_valid(value.pattern, value.icase):
            raise KernelRejected("EINVAL")

    def matches(self, value: StringMatch, skb: Skb, env: Env) -> bool:
        """``string_mt``: bm and kmp find the same first occurrence in a linear buffer."""
        if value.algo == "fsm":
            raise NotImplementedError("nflab cannot evaluate match string with --algo fsm")
        window = emit(skb.packet)[value.from_offset : value.to_offset]
        pattern = value.pattern
        if value.icase:
            window, pattern = window.upper(), pattern.upper()
        return (pattern in window) != value.invert
