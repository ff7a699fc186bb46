"""``-m u32`` (libxt_u32.c, kernel xt_u32.c): tests on 32-bit words read at packet offsets.

``tests := location "=" value ["&&" tests]``; a location is a number followed
by ``& << >> @`` operations (``@`` moves to an offset read from the packet);
values are numbers or ``min:max`` ranges separated by commas. The words are
read from the packet starting at its IP header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import xtables_strtoul
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb
from ..packet.wire import emit

MAXSIZE = 10  # XT_U32_MAXSIZE
_C_SPACE = " \t\n\r\f\v"
_OPS = {"&": "&", "<": "<<", ">": ">>", "@": "@"}


@dataclass(frozen=True, slots=True)
class U32Test:
    """``struct xt_u32_test``: the first number, then (operator, number) steps, and ranges."""

    start: int
    steps: tuple[tuple[str, int], ...]
    ranges: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class U32:
    tests: tuple[U32Test, ...]
    invert: bool = False


def _fail(message: str) -> ParameterProblem:
    return ParameterProblem(f"u32: {message}")


class _Parser:
    """``u32_parse``: a character-level state machine with C's error positions."""

    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.s[j] if j < len(self.s) else ""

    def number(self) -> int:
        pos = self.i
        value, rest = xtables_strtoul(self.s[pos:], 0, 0xFFFFFFFF, partial=True)
        if value is None or len(rest) == len(self.s) - pos:
            raise _fail(f"at char {pos}: not a number or out of range")
        self.i = len(self.s) - len(rest)
        return value

    def parse(self) -> tuple[U32Test, ...]:
        tests: list[U32Test] = []
        start = 0
        steps: list[tuple[str, int]] = []
        ranges: list[tuple[int, int]] = []
        locations = 0
        reading_values = False
        while True:
            while self.peek() and self.peek() in _C_SPACE:
                self.i += 1
            c = self.peek()
            if c == "":
                if not reading_values:
                    raise _fail("abrupt end of input after location specifier")
                if not ranges:
                    raise _fail("test ended with no value specified")
                tests.append(U32Test(start, tuple(steps), tuple(ranges)))
                if len(tests) > MAXSIZE:
                    raise _fail(f'at char {self.i}: too many "&&"s')
                return tuple(tests)
            if not reading_values:
                if c == "=":
                    if locations == 0:
                        raise _fail(f"at char {self.i}: location spec missing")
                    self.i += 1
                    reading_values = True
                    continue
                op = ""
                if locations:
                    op = self._operator(c)
                number = self.number()
                if op:
                    steps.append((op, number))
                else:
                    start = number
                locations += 1
                if locations > MAXSIZE:
                    raise _fail(f"at char {self.i}: too many operators")
            elif c == "&":
                self.i += 1
                if self.peek() != "&":
                    raise _fail(f"at char {self.i}: a second '&' was expected")
                if not ranges:
                    raise _fail(f"at char {self.i}: value spec missing")
                tests.append(U32Test(start, tuple(steps), tuple(ranges)))
                if len(tests) > MAXSIZE:
                    raise _fail(f'at char {self.i}: too many "&&"s')
                self.i += 1
                start, steps, ranges, locations, reading_values = 0, [], [], 0, False
            else:
                if ranges:
                    if c != ",":
                        raise _fail(f'at char {self.i}: expected "," or "&&"')
                    self.i += 1
                low = self.number()
                while self.peek() and self.peek() in _C_SPACE:
                    self.i += 1
                high = low
                if self.peek() == ":":
                    self.i += 1
                    high = self.number()
                ranges.append((low, high))
                if len(ranges) > MAXSIZE:
                    raise _fail(f'at char {self.i}: too many ","s')

    def _operator(self, c: str) -> str:
        if c in "<>":
            self.i += 1
            if self.peek() != c:
                raise _fail(f"at char {self.i}: a second '{c}' was expected")
        elif c not in "&@":
            raise _fail(f"at char {self.i}: operator expected")
        self.i += 1
        return _OPS[c]


def u32_text(tests: tuple[U32Test, ...]) -> str:
    """``u32_dump``: the expression in hex, quoted."""
    parts = []
    for t in tests:
        location = f"0x{t.start:x}" + "".join(f"{op}0x{n:x}" for op, n in t.steps)
        values = ",".join(f"0x{lo:x}" if lo == hi else f"0x{lo:x}:0x{hi:x}" for lo, hi in t.ranges)
        parts.append(f"{location}={values}")
    return '"' + "&&".join(parts) + '"'


def _word(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "big")


def run_test(test: U32Test, data: bytes) -> bool:
    """One test of ``u32_match_it``: any failed bounds check means no match."""
    length = len(data)
    pos = test.start
    if length < 4 or pos > length - 4:
        return False
    value = _word(data, pos)
    at = 0
    for op, number in test.steps:
        if op == "&":
            value &= number
        elif op == "<<":
            value = (value << (number % 32)) & 0xFFFFFFFF  # x86 shifts modulo 32
        elif op == ">>":
            value >>= number % 32
        else:  # "@": the value is an offset relative to the previous one
            if at + value > 0xFFFFFFFF:
                return False
            at += value
            if at + 4 > 0xFFFFFFFF or length < at + 4 or number > length - at - 4:
                return False
            value = _word(data, at + number)
    return any(lo <= value <= hi for lo, hi in test.ranges)


@register
class U32Match(MatchExtension):
    name = "u32"
    options = (Opt("u32", OptType.STRING, mand=True, invert=True),)

    def parse(self, call: Call) -> None:
        generic_parse(call)
        call.data["tests"] = _Parser(call.arg or "").parse()
        call.data["invert"] = call.invert

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> U32 | None:
        if "tests" not in data:
            return None  # the generic check reports the missing --u32
        return U32(data["tests"], data["invert"])

    def save(self, value: U32, show: Show) -> str:
        return f"{' !' if value.invert else ''} --u32 {u32_text(value.tests)}"

    def print(self, value: U32, show: Show) -> str:
        return f" u32{' !' if value.invert else ''} {u32_text(value.tests)}"

    def matches(self, value: U32, skb: Skb, env: Env) -> bool:
        data = emit(skb.packet)
        return all(run_test(t, data) for t in value.tests) != value.invert
