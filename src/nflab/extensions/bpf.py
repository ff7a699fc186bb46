"""``-m bpf`` (libxt_bpf.c revision 1, kernel xt_bpf.c): a classic BPF program run on the packet.

nflab parses, prints and validates programs as the kernel does
(``bpf_check_classic``) but does not run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

MAX_INSTR = 64  # XT_BPF_MAX_NUM_INSTR
_C_SPACE = " \t\n\r\f\v"

Insn = tuple[int, int, int, int]  # code, jt, jf, k


@dataclass(frozen=True, slots=True)
class Bpf:
    """``struct xt_bpf_info_v1`` in bytecode mode."""

    program: tuple[Insn, ...]


def _scan_uint(text: str, pos: int, bits: int) -> tuple[int, int] | None:
    """A ``scanf`` ``%u``-family conversion: (value cut to ``bits``, end) or None."""
    i, n = pos, len(text)
    while i < n and text[i] in _C_SPACE:
        i += 1
    neg = i < n and text[i] == "-"
    if i < n and text[i] in "+-":
        i += 1
    start = i
    while i < n and "0" <= text[i] <= "9":
        i += 1
    if i == start:
        return None
    value = min(int(text[start:i]), 2**64 - 1)  # strtoul saturates
    if neg:
        value = -value % 2**64
    return value & ((1 << bits) - 1), i


def _scan_insn(token: str) -> Insn | None:
    """``sscanf(token, "%hu %hhu %hhu %u,")`` with all four conversions done."""
    values = []
    pos = 0
    for bits in (16, 8, 8, 32):
        scanned = _scan_uint(token, pos, bits)
        if scanned is None:
            return None
        value, pos = scanned
        values.append(value)
    return values[0], values[1], values[2], values[3]


def parse_program(text: str) -> tuple[Insn, ...]:
    """``bpf_parse_string``: ``N,code jt jf k,code jt jf k,...``."""
    head = _scan_uint(text, 0, 16)
    if head is None or text[head[1] : head[1] + 1] != ",":
        raise ParameterProblem("bpf: error parsing program length")
    length = head[0]
    if not length:
        raise ParameterProblem("bpf: illegal zero length program")
    if length > MAX_INSTR:
        raise ParameterProblem("bpf: number of instructions exceeds maximum")
    program: list[Insn] = []
    # every comma followed by something starts an instruction
    tokens = [t for t in text.split(",")[1:]]
    for i, token in enumerate(tokens):
        if token == "" and i == len(tokens) - 1:
            break
        if len(program) >= length:
            raise ParameterProblem("bpf: real program length exceeds the encoded length parameter")
        insn = _scan_insn(token)
        if insn is None:
            raise ParameterProblem(f"bpf: error at instr {len(program)}")
        program.append(insn)
    if len(program) != length:
        raise ParameterProblem(
            "bpf: parsed program length is less than the encoded length parameter"
        )
    return tuple(program)


# --- the kernel's bpf_check_classic -------------------------------------------------------

_ALU_OPS = (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xA0)  # add..xor, no neg
_JUMPS = frozenset(0x05 | op | src for op in (0x10, 0x20, 0x30, 0x40) for src in (0, 0x08))
_ALLOWED = frozenset(
    {0x04 | op | src for op in _ALU_OPS for src in (0, 0x08)}
    | {0x84}  # alu neg
    | {0x20, 0x28, 0x30, 0x80, 0x40, 0x48, 0x50, 0x00, 0x60}  # ld abs/len/ind/imm/mem
    | {0x81, 0xB1, 0x01, 0x61}  # ldx len, msh, imm, mem
    | {0x02, 0x03, 0x07, 0x87, 0x06, 0x16, 0x05}  # st, stx, tax, txa, ret k/a, ja
    | _JUMPS
)
_ABS_LOADS = frozenset({0x20, 0x28, 0x30})
SKF_AD_OFF = 0x100000000 - 0x1000
_ANCILLARY = frozenset(SKF_AD_OFF + off for off in range(0, 64, 4))
_MEM = frozenset({0x60, 0x61, 0x02, 0x03})


def classic_valid(program: tuple[Insn, ...]) -> bool:
    """``bpf_check_classic``: known opcodes, safe jumps and divisions, ends with a return,
    and no scratch memory read before it is written on every path."""
    flen = len(program)
    for pc, (code, jt, jf, k) in enumerate(program):
        if code not in _ALLOWED:
            return False
        if code in (0x34, 0x94) and k == 0:  # div/mod by constant zero
            return False
        if code in (0x64, 0x74) and k >= 32:  # shift by a constant of 32 or more
            return False
        if code in _MEM and k >= 16:
            return False
        if code == 0x05 and k >= flen - pc - 1:
            return False
        if code in _JUMPS and (pc + jt + 1 >= flen or pc + jf + 1 >= flen):
            return False
        if code in _ABS_LOADS and k >= SKF_AD_OFF and k not in _ANCILLARY:
            return False
    if program[-1][0] not in (0x06, 0x16):
        return False
    return _stores_before_loads(program)


def _stores_before_loads(program: tuple[Insn, ...]) -> bool:
    """``check_load_and_stores``."""
    masks = [0xFFFF] * len(program)
    valid = 0
    for pc, (code, jt, jf, k) in enumerate(program):
        valid &= masks[pc]
        if code in (0x02, 0x03):
            valid |= 1 << k
        elif code in (0x60, 0x61):
            if not valid & (1 << k):
                return False
        elif code == 0x05:
            masks[pc + 1 + k] &= valid
            valid = 0xFFFF
        elif code in _JUMPS:
            masks[pc + 1 + jt] &= valid
            masks[pc + 1 + jf] &= valid
            valid = 0xFFFF
    return True


def _code_text(program: tuple[Insn, ...]) -> str:
    return ",".join(f"{code} {jt} {jf} {k}" for code, jt, jf, k in program)


@register
class BpfMatch(MatchExtension):
    name = "bpf"
    revision = 1
    options = (
        Opt("bytecode", OptType.STRING),
        Opt("object-pinned", OptType.STRING),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        if call.opt.id == "bytecode":
            call.data["program"] = parse_program(call.arg or "")
        else:  # BPF_OBJ_GET: this simulated machine has no pinned BPF objects
            raise ParameterProblem("bpf: failed to get bpf object")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Bpf:
        if seen not in ({"bytecode"}, {"object-pinned"}):
            raise ParameterProblem("bpf: one of --bytecode or --pinned is required")
        return Bpf(data["program"])

    def save(self, value: Bpf, show: Show) -> str:
        return f' --bytecode "{len(value.program)},{_code_text(value.program)}"'

    def print(self, value: Bpf, show: Show) -> str:
        # no leading space, and the program ends with the NUL byte C's "%c" of '\0' writes
        return f"match bpf {_code_text(value.program)}\0"

    def check(self, value: Bpf, rule: RuleContext) -> None:
        if not classic_valid(value.program):
            raise KernelRejected("EINVAL", "xt_bpf: check failed: parse error")

    def matches(self, value: Bpf, skb: Skb, env: Env) -> bool:
        raise NotImplementedError("nflab cannot evaluate match bpf (classic BPF programs)")
