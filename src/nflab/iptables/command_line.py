"""The model of an ``iptables`` command line: its options, commands and their checks.

``do_parse`` (:mod:`.parse`) reads argv into a :class:`Command`; this module
holds what it reads against: the main long options and optstring of
iptables 1.8.9, the command bits (``CMD_*``), which option each command
forbids (``commands_v_options``), and the checks of chain and target names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntFlag
from functools import cache

from .errors import ParameterProblem
from .extension import find_target
from .getopt import LongOpt
from .rule import STANDARD_VERDICTS, Rule

OPTSTRING = "-:A:C:D:E:F::I:L::M:N:P:VX::Z::c:d:i:j:o:p:s:t:R:S::W::46bfg:h::m:nvw::x"

MAIN_OPTIONS: tuple[LongOpt, ...] = tuple(
    LongOpt(n, a, c)
    for n, a, c in (
        ("append", 1, "A"), ("delete", 1, "D"), ("check", 1, "C"), ("insert", 1, "I"),
        ("replace", 1, "R"), ("list", 2, "L"), ("list-rules", 2, "S"), ("flush", 2, "F"),
        ("zero", 2, "Z"), ("new-chain", 1, "N"), ("delete-chain", 2, "X"),
        ("rename-chain", 1, "E"), ("policy", 1, "P"), ("source", 1, "s"),
        ("destination", 1, "d"), ("src", 1, "s"), ("dst", 1, "d"), ("protocol", 1, "p"),
        ("in-interface", 1, "i"), ("jump", 1, "j"), ("table", 1, "t"), ("match", 1, "m"),
        ("numeric", 0, "n"), ("out-interface", 1, "o"), ("verbose", 0, "v"), ("wait", 2, "w"),
        ("wait-interval", 2, "W"), ("exact", 0, "x"), ("fragments", 0, "f"),
        ("version", 0, "V"), ("help", 2, "h"), ("line-numbers", 0, "0"),
        ("modprobe", 1, "M"), ("set-counters", 1, "c"), ("goto", 1, "g"), ("ipv4", 0, "4"),
        ("ipv6", 0, "6"),
    )
)


class Cmd(IntFlag):
    """``CMD_*`` in bit order (``cmd2char`` indexes by bit)."""

    NONE = 0
    INSERT = 1 << 0
    DELETE = 1 << 1
    DELETE_NUM = 1 << 2
    REPLACE = 1 << 3
    APPEND = 1 << 4
    LIST = 1 << 5
    FLUSH = 1 << 6
    ZERO = 1 << 7
    NEW_CHAIN = 1 << 8
    DELETE_CHAIN = 1 << 9
    SET_POLICY = 1 << 10
    RENAME_CHAIN = 1 << 11
    LIST_RULES = 1 << 12
    ZERO_NUM = 1 << 13
    CHECK = 1 << 14


CMD_CHARS = "IDDRALFZNXPESZC"

# Option bits in ``optflags`` order: n s d p j v x i o --line c f
OPT_CHARS = ("n", "s", "d", "p", "j", "v", "x", "i", "o", "0", "c", "f")
OPT_BIT = {c: 1 << i for i, c in enumerate(OPT_CHARS)}
INVERTIBLE = {"s", "d", "p", "i", "o", "f"}

# ``commands_v_options``: per command, the options that are illegal ('x').
ILLEGAL = {
    Cmd.INSERT: "nx0",
    Cmd.DELETE: "nx0c",
    Cmd.DELETE_NUM: "nsdpjxio0cf",
    Cmd.REPLACE: "nx0",
    Cmd.APPEND: "nx0",
    Cmd.LIST: "sdpjiocf",
    Cmd.FLUSH: "nsdpjxio0cf",
    Cmd.ZERO: "nsdpjxio0cf",
    Cmd.NEW_CHAIN: "nsdpjxio0cf",
    Cmd.DELETE_CHAIN: "nsdpjxio0cf",
    Cmd.SET_POLICY: "nsdpjxio0f",
    Cmd.RENAME_CHAIN: "nsdpjxio0cf",
    Cmd.LIST_RULES: "nsdpjxio0cf",
    Cmd.ZERO_NUM: "nsdpjxio0cf",
    Cmd.CHECK: "nx0c",
}


_CMD_VALUES: dict[int, Cmd] = {}


def cmd_of(value: int) -> Cmd:
    """``Cmd(value)``, remembered (IntFlag arithmetic is slow and the values are few)."""
    found = _CMD_VALUES.get(value)
    if found is None:
        found = _CMD_VALUES[value] = Cmd(value)
    return found


def cmd2char(cmd: int) -> str:
    i = 0
    while cmd > 1:
        cmd >>= 1
        i += 1
    return CMD_CHARS[i]


@dataclass
class Command:
    """A parsed ``iptables`` invocation."""

    command: Cmd = Cmd.NONE
    table: str = "filter"
    chain: str | None = None
    rulenum: int = 0
    newname: str | None = None
    policy: str | None = None
    verbose: int = 0
    numeric: bool = False
    exact: bool = False
    line_numbers: bool = False
    counters: tuple[int, int] | None = None
    rules: list[Rule] = field(default_factory=list)
    jumpto: str = ""
    warnings: list[str] = field(default_factory=list)
    options: int = 0
    help: bool = False
    version: bool = False


_GOOD_TARGET_NAMES: set[str] = set()


def parse_target_name(name: str) -> str:
    if name in _GOOD_TARGET_NAMES:
        return name
    check_target_name(name)
    if len(_GOOD_TARGET_NAMES) > 4096:
        _GOOD_TARGET_NAMES.clear()
    _GOOD_TARGET_NAMES.add(name)
    return name


def check_target_name(name: str) -> None:
    if len(name) < 1:
        raise ParameterProblem("Invalid target name (too short)")
    if len(name.encode()) >= 29:
        raise ParameterProblem(f"Invalid target name `{name}' (28 chars max)")
    if any(ch.isspace() for ch in name):
        raise ParameterProblem(f"Invalid target name `{name}'")


def assert_valid_chain_name(name: str) -> None:
    if len(name.encode()) >= 29:
        raise ParameterProblem(f"chain name `{name}' too long (must be under 29 chars)")
    if name.startswith(("-", "!")):
        raise ParameterProblem(f"chain name not allowed to start with `{name[0]}'")
    if find_target(name) is not None or name in STANDARD_VERDICTS:
        raise ParameterProblem("chain name may not clash with target name")
    if any(ch.isspace() for ch in name):
        raise ParameterProblem(f"Invalid chain name `{name}'")


def generic_opt_check(command: int, options: int) -> None:
    ch = illegal_option(int(command), options)
    if ch is not None:
        raise ParameterProblem(f"Illegal option `-{ch}' with this command")


@cache
def illegal_option(command: int, options: int) -> str | None:
    """``generic_opt_check``: the first option no command given allows (a pure function)."""
    for i, ch in enumerate(OPT_CHARS):
        if not options & (1 << i):
            continue
        legal = 0
        for cmd, illegal in ILLEGAL.items():
            if not command & cmd:
                continue
            if ch not in illegal:
                legal = 1
            elif legal == 0:
                legal = -1
        if legal == -1:
            return ch
    return None


def scan_llu(text: str) -> int | None:
    """``sscanf("%llu")``: leading digits (after white space and a sign)."""
    s = text.lstrip()
    sign = 1
    if s[:1] in "+-" and s[:1] != "":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = ""
    for ch in s:
        if not ch.isdigit():
            break
        digits += ch
    if not digits:
        return None
    return (sign * int(digits)) % 2**64
