"""The option engine of libxtables (``xtoptions.c``): options declared as data.

An extension lists :class:`Opt` entries. The engine checks the generic rules
(used once, may be inverted, needs an argument), converts the argument by its
:class:`OptType` with the fixed libxtables messages, and at the end checks
``mandatory`` / ``excl`` / ``also``. Extensions written against the old
callback API (``raw=True``) get the argument untouched and do all checks
themselves, as their C counterparts do.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import TYPE_CHECKING, Any

from .cnum import strtod, strtoumax, xtables_strtoul
from .errors import ParameterProblem
from .names import Names

if TYPE_CHECKING:
    from .getopt import GetoptLong


class OptType(Enum):
    NONE = auto()
    UINT8 = auto()
    UINT16 = auto()
    UINT32 = auto()
    UINT64 = auto()
    UINT8RC = auto()
    UINT16RC = auto()
    UINT32RC = auto()
    UINT64RC = auto()
    DOUBLE = auto()
    STRING = auto()
    TOSMASK = auto()
    MARKMASK32 = auto()
    SYSLOGLEVEL = auto()
    HOST = auto()
    HOSTMASK = auto()
    PROTOCOL = auto()
    PORT = auto()
    PORTRC = auto()
    PLEN = auto()
    PLENMASK = auto()
    ETHERMAC = auto()


_MAX_BY_TYPE = {
    OptType.UINT8: 0xFF,
    OptType.UINT8RC: 0xFF,
    OptType.UINT16: 0xFFFF,
    OptType.UINT16RC: 0xFFFF,
    OptType.UINT32: 0xFFFFFFFF,
    OptType.UINT32RC: 0xFFFFFFFF,
    OptType.UINT64: 2**64 - 1,
    OptType.UINT64RC: 2**64 - 1,
}


@dataclass(frozen=True, slots=True)
class Opt:
    """One ``struct xt_option_entry``.

    ``key`` is the id other entries refer to in ``excl``/``also`` (the name
    when not given). ``raw`` marks an option of an old-API extension.
    """

    name: str
    type: OptType = OptType.NONE
    key: str = ""
    invert: bool = False
    mand: bool = False
    multi: bool = False
    excl: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    min: int = 0
    max: int = 0
    raw: bool = False
    optional_arg: bool = False  # getopt ``optional_argument`` (old API only)
    id: str = field(default="", init=False, repr=False, compare=False)  # ``key or name``

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.key or self.name)  # read for every option parsed

    @property
    def takes_arg(self) -> bool:
        return self.type is not OptType.NONE


@dataclass(slots=True)
class Call:
    """One option occurrence handed to an extension (``struct xt_option_call``)."""

    ext_name: str
    opt: Opt
    arg: str | None
    invert: bool
    data: dict[str, Any]
    seen: set[str]
    names: Names
    cursor: GetoptLong | None = None
    value: Any = None
    nvals: int = 1
    proto: int = 0  # the rule's -p number, for extensions that look at it
    proto_invert: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # stderr lines printed while parsing

    def fail(self, message: str) -> ParameterProblem:
        return ParameterProblem(message)


def generic_parse(call: Call) -> None:
    """``xtables_option_parse``: the generic checks, then the typed conversion."""
    opt = call.opt
    name = call.ext_name
    if (not opt.multi or opt.id in opt.excl) and opt.id in call.seen:
        raise ParameterProblem(f'{name}: option "--{opt.name}" can only be used once.\n')
    if call.invert and not opt.invert:
        raise ParameterProblem(f'{name}: option "--{opt.name}" cannot be inverted.\n')
    if opt.takes_arg and call.arg is None:
        raise ParameterProblem(f'{name}: option "--{opt.name}" requires an argument.\n')
    call.nvals = 1
    parser = _SUBPARSE.get(opt.type)
    if parser is not None:
        parser(call)
    call.seen.add(opt.id)


def final_check(ext_name: str, options: tuple[Opt, ...], seen: set[str]) -> None:
    """``xtables_options_fcheck``: mandatory options, ``also`` and ``excl`` pairs."""
    key = (id(options), ext_name, frozenset(seen))
    known = _FINAL_CHECKS.get(key)
    if known is None or known[0] is not options:
        known = _FINAL_CHECKS[key] = (options, _final_problem(ext_name, options, key[2]))
    if known[1] is not None:
        raise ParameterProblem(known[1])


# The answer depends only on the option table and the options seen: worked out
# once per combination (keyed by the table's identity; the table is kept alive).
_FINAL_CHECKS: dict[tuple[int, str, frozenset[str]], tuple[tuple[Opt, ...], str | None]] = {}


def _final_problem(ext_name: str, options: tuple[Opt, ...], seen: frozenset[str]) -> str | None:
    by_id: dict[str, Opt] = {}
    for o in options:  # ``xtables_option_lookup``: the first entry of an id names it
        by_id.setdefault(o.id, o)
    for entry in options:
        if entry.mand and entry.id not in seen:
            return f'{ext_name}: option "--{entry.name}" must be specified\n'
        if entry.id not in seen:
            continue
        for other in options:
            if other.id == entry.id or by_id.get(other.id) is not other:
                continue
            if other.id in entry.also and other.id not in seen:
                return f'{ext_name}: option "--{entry.name}" also requires "--{other.name}".\n'
            if other.id in entry.excl and other.id in seen:
                return (
                    f'{ext_name}: option "--{entry.name}" cannot be used together with "--{other.name}".\n'
                )
    return None


# -- typed conversions -------------------------------------------------------


def _parse_int(call: Call) -> None:
    opt = call.opt
    lo = opt.min or 0
    hi = opt.max or _MAX_BY_TYPE[opt.type]
    assert call.arg is not None
    value, _ = xtables_strtoul(call.arg, lo, hi)
    if value is None:
        raise ParameterProblem(
            f'{call.ext_name}: bad value for option "--{opt.name}", or out of range ({lo}-{hi}).\n'
        )
    call.value = value


def _parse_mint(call: Call) -> None:
    """``a[:b]`` ranges of integers; an empty component defaults to 0 / the type's max."""
    opt = call.opt
    hi = _MAX_BY_TYPE[opt.type]
    assert call.arg is not None
    values: list[int] = []
    arg = call.arg
    pos = 0
    while True:
        if len(values) == 2:
            raise ParameterProblem(
                f'{call.ext_name}: Too many components for option "--{opt.name}" (max: 2)\n'
            )
        rest = arg[pos:]
        if rest == "" or rest.startswith(":"):
            value = hi if len(values) == 1 else 0
            end = pos
        else:
            v, e, overflow = strtoumax(rest, 0)
            if v is None or overflow or v > hi or rest.lstrip().startswith("-"):
                raise ParameterProblem(
                    f'{call.ext_name}: bad value for option "--{opt.name}" near "{rest}", or out of range (0-{hi}).\n'
                )
            end = pos + e
            if end < len(arg) and arg[end] != ":":
                raise ParameterProblem(
                    f'{call.ext_name}: Argument to "--{opt.name}" has unexpected characters near "{arg[end:]}".\n'
                )
            value = v
        values.append(value)
        if end >= len(arg):
            break
        pos = end + 1
    call.nvals = len(values)
    call.value = tuple(values)


def _parse_double(call: Call) -> None:
    opt = call.opt
    assert call.arg is not None
    value, end = strtod(call.arg)  # glibc's strtod: hex floats, inf, nan (which passes the range test)
    if value is None or end != len(call.arg) or (
        opt.min != opt.max and (value < opt.min or value > opt.max)
    ):
        raise ParameterProblem(
            f'{call.ext_name}: bad value for option "--{opt.name}", or out of range ({opt.min}-{opt.max}).\n'
        )
    call.value = value


def _parse_string(call: Call) -> None:
    opt = call.opt
    assert call.arg is not None
    z = len(call.arg.encode())
    if opt.min and z < opt.min:
        raise ParameterProblem(f"Argument must have a minimum length of {opt.min} characters\n")
    if opt.max and z > opt.max:
        raise ParameterProblem(f"Argument must have a maximum length of {opt.max} characters\n")
    call.value = call.arg


TOS_NAMES = {
    "minimize-delay": 0x10,
    "maximize-throughput": 0x08,
    "maximize-reliability": 0x04,
    "minimize-cost": 0x02,
    "normal-service": 0x00,
}


def _parse_tosmask(call: Call) -> None:
    """``value[/mask]`` or a TOS name (mask then is the entry's max, 0x3f)."""
    arg = call.arg
    assert arg is not None
    v, rest = xtables_strtoul(arg, 0, 0xFF, partial=True)
    if v is not None:
        mask = 0xFF
        if rest.startswith("/"):
            m, rest = xtables_strtoul(rest[1:], 0, 0xFF, partial=True)
            if m is None:
                raise ParameterProblem(f'Illegal value: "{arg}"')
            mask = m
        if rest:
            raise ParameterProblem(f'Illegal value: "{arg}"')
        call.value = (v, mask)
        return
    symbol = TOS_NAMES.get(arg.lower())
    if symbol is None:
        raise ParameterProblem(f'Symbolic name "{arg}" is unknown')
    call.value = (symbol, call.opt.max)


def parse_mark_mask(arg: str, ext_name: str = "", opt_name: str = "") -> tuple[int, int]:
    """``xtables_parse_mark_mask``: ``value[/mask]``, the mask all ones by default."""
    from .marks import parse_val_mask

    return parse_val_mask(arg, ext_name, opt_name)


def _parse_markmask(call: Call) -> None:
    assert call.arg is not None
    call.value = parse_mark_mask(call.arg, call.ext_name, call.opt.name)


SYSLOG_LEVELS = {
    "alert": 1,
    "crit": 2,
    "debug": 7,
    "emerg": 0,
    "error": 3,
    "info": 6,
    "notice": 5,
    "panic": 0,
    "warning": 4,
}


def _parse_sysloglevel(call: Call) -> None:
    assert call.arg is not None
    v, _ = xtables_strtoul(call.arg, 0, 7)
    if v is None:
        v = SYSLOG_LEVELS.get(call.arg)
        if v is None:
            raise ParameterProblem(f'log level "{call.arg}" unknown\n')
    call.value = v


def resolve_host(arg: str, names: Names) -> ipaddress.IPv4Address:
    """getaddrinfo(AF_INET) for one host (``xtopt_parse_host``); several distinct addresses
    are an error, the same one several times (``localhost`` on Debian) is not."""
    from .addresses import parse_ipv4_literal

    literal = parse_ipv4_literal(arg)
    if literal is not None:
        return literal
    found = names.host_addresses(arg)
    if not found:
        raise ParameterProblem(f"getaddrinfo: {names.lookup_failure}\n")
    if any(addr != found[0] for addr in found[1:]):
        raise ParameterProblem(f"{arg} resolves to more than one address\n")
    return found[0]


def _parse_host(call: Call) -> None:
    assert call.arg is not None
    call.value = resolve_host(call.arg, call.names)


def _parse_plen(call: Call) -> None:
    assert call.arg is not None
    v, _ = xtables_strtoul(call.arg, 0, 32)
    if v is None:
        from .addresses import inet_aton

        mask = inet_aton(call.arg)  # getaddrinfo(AI_NUMERICHOST): "33" is 0.0.0.33
        if mask is None:
            raise ParameterProblem(
                f'{call.ext_name}: bad value for option "--{call.opt.name}", neither a valid network mask nor valid CIDR (0-32).\n'
            )
        m = int(mask)
        v = bin(m).count("1") if (m | (m - 1)) & 0xFFFFFFFF == 0xFFFFFFFF or m == 0 else -1
    call.value = v


def _parse_plenmask(call: Call) -> None:
    _parse_plen(call)
    plen = call.value
    from .addresses import plen_mask

    # a non-contiguous mask (plen -1, C's hlen 255) leaves the mask all ones
    call.value = (plen, plen_mask(plen))


def _parse_hostmask(call: Call) -> None:
    assert call.arg is not None
    host, slash, mask = call.arg.partition("/")
    addr = resolve_host(host, call.names)
    if not slash:
        call.value = (addr, 32)
        return
    sub = Call(call.ext_name, call.opt, mask, call.invert, call.data, call.seen, call.names)
    _parse_plen(sub)
    call.value = (addr, sub.value)


def _parse_protocol(call: Call) -> None:
    from .addresses import parse_protocol

    assert call.arg is not None
    call.value = parse_protocol(call.arg, call.names)


def port_by_name(arg: str, names: Names) -> int:
    """``xtables_getportbyname``: getaddrinfo(NULL, name): a number or any service name.

    glibc reads a numeric service with ``strtoul(s, &end, 10)`` into an ``int``: decimal
    only (``010`` is 10, ``0x10`` a name), leading blanks and a sign allowed, the port is
    the low 16 bits (``70000`` is 4464); a value negative as an int (``-1``) is looked up
    as a name, and fails.
    """
    if len(arg) < 10 and arg.isdigit() and arg.isascii():
        return int(arg) & 0xFFFF  # decimal below 2**31: the usual case, as below
    v, end, overflow = strtoumax(arg, 10)
    if arg == "" or (v is not None and end == len(arg)):
        num = 0xFFFFFFFFFFFFFFFF if overflow else (v or 0)
        num &= 0xFFFFFFFF
        if num < 0x80000000:
            return num & 0xFFFF
    port = names.port_by_name(arg)
    return -1 if port is None else port


def _parse_port(call: Call) -> None:
    assert call.arg is not None
    port = port_by_name(call.arg, call.names)
    if port < 0:
        raise ParameterProblem(f'Port "{call.arg}" does not resolve to anything.\n')
    call.value = port


def _parse_portrc(call: Call) -> None:
    assert call.arg is not None
    if ":" not in call.arg:  # one port, the usual case: what the loop below gives for it
        port = port_by_name(call.arg, call.names) if call.arg else 0
        if port < 0:
            raise ParameterProblem(f'Port "{call.arg}" does not resolve to anything.\n')
        call.nvals = 2
        call.value = (port, port)
        return
    parts = call.arg.split(":")
    values = [0, 0xFFFF]
    for i, part in enumerate(parts):
        if i == 2:
            raise ParameterProblem(
                f'{call.ext_name}: Too many components for option "--{call.opt.name}" (max: 2)\n'
            )
        if part == "":
            continue
        port = port_by_name(part, call.names)
        if port < 0:
            raise ParameterProblem(f'Port "{part}" does not resolve to anything.\n')
        values[i] = port
    if len(parts) == 1:
        values[1] = values[0]
    call.nvals = max(2, len(parts))
    call.value = tuple(values)


def parse_ethermac(arg: str) -> bytes:
    """Six hex octets separated by ``:``, each at most two digits (``xtopt_parse_ethermac``)."""
    parts = arg.split(":")
    out = []
    if len(parts) != 6:
        raise ParameterProblem("Invalid MAC address specified.")
    for part in parts:
        v, end, _ = strtoumax(part, 16)
        if v is None or end != len(part) or len(part) > 2 or part.lstrip().startswith(("-", "+")):
            raise ParameterProblem("Invalid MAC address specified.")
        out.append(v & 0xFF)
    return bytes(out)


def _parse_ethermac(call: Call) -> None:
    assert call.arg is not None
    call.value = parse_ethermac(call.arg)


_SUBPARSE = {
    OptType.UINT8: _parse_int,
    OptType.UINT16: _parse_int,
    OptType.UINT32: _parse_int,
    OptType.UINT64: _parse_int,
    OptType.UINT8RC: _parse_mint,
    OptType.UINT16RC: _parse_mint,
    OptType.UINT32RC: _parse_mint,
    OptType.UINT64RC: _parse_mint,
    OptType.DOUBLE: _parse_double,
    OptType.STRING: _parse_string,
    OptType.TOSMASK: _parse_tosmask,
    OptType.MARKMASK32: _parse_markmask,
    OptType.SYSLOGLEVEL: _parse_sysloglevel,
    OptType.HOST: _parse_host,
    OptType.HOSTMASK: _parse_hostmask,
    OptType.PROTOCOL: _parse_protocol,
    OptType.PORT: _parse_port,
    OptType.PORTRC: _parse_portrc,
    OptType.PLEN: _parse_plen,
    OptType.PLENMASK: _parse_plenmask,
    OptType.ETHERMAC: _parse_ethermac,
}
