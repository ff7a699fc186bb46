"""-m bpf: program parsing, the kernel's classic BPF checks, texts (-L ends with a NUL)."""

import pytest

from helpers import Shell, parsed_match
from nflab.extensions.bpf import classic_valid, parse_program


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m bpf --bytecode '4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0'")
    sh.ok("iptables -A INPUT -m bpf --bytecode '1,65542 0 0 -1'")
    assert sh.rules()[3:] == [
        '-A INPUT -m bpf --bytecode "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0"',
        '-A INPUT -m bpf --bytecode "1,6 0 0 4294967295"',
    ]
    assert (
        sh.ok("iptables -nL INPUT")
        .splitlines()[-1]
        .endswith(
            "0.0.0.0/0           match bpf 6 0 0 4294967295\0"  # no space of its own
        )
    )


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("x", "bpf: error parsing program length"),
        ("1 ,6 0 0 1", "bpf: error parsing program length"),
        ("0,6 0 0 1", "bpf: illegal zero length program"),
        ("65,6 0 0 1", "bpf: number of instructions exceeds maximum"),
        ("1,6 0 0 1,6 0 0 1", "bpf: real program length exceeds the encoded length parameter"),
        ("2,6 0 0 1", "bpf: parsed program length is less than the encoded length parameter"),
        ("1,6 0 x 1", "bpf: error at instr 0"),
    ],
)
def test_parse_errors(program: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m bpf --bytecode '{program}'")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_option_errors() -> None:
    sh = Shell()
    assert (
        sh("iptables -A INPUT -m bpf")
        .err.splitlines()[0]
        .endswith("bpf: one of --bytecode or --pinned is required")
    )
    assert (
        sh("iptables -A INPUT -m bpf --object-pinned /sys/fs/bpf/x")
        .err.splitlines()[0]
        .endswith("bpf: failed to get bpf object")
    )


@pytest.mark.parametrize(
    ("program", "valid"),
    [
        ("4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0", True),
        ("2,6 0 0 1,7 0 0 0", False),  # does not end with a return
        ("2,96 0 0 1,6 0 0 0", False),  # reads scratch memory never written
        ("3,2 0 0 1,96 0 0 1,6 0 0 0", True),
        ("3,52 0 0 0,6 0 0 1,22 0 0 0", False),  # division by constant zero
        ("2,48 0 0 4294963200,22 0 0 0", True),  # an ancillary load (SKF_AD_PROTOCOL)
        ("2,48 0 0 4294963264,22 0 0 0", False),  # past the known ancillary fields
        ("3,21 1 1 6,6 0 0 1,6 0 0 0", True),
        ("2,5 0 0 1,6 0 0 0", False),  # a jump past the end
    ],
)
def test_classic_check(program: str, valid: bool) -> None:
    assert classic_valid(parse_program(program)) is valid
    status = Shell()(f"iptables -A INPUT -m bpf --bytecode '{program}'").status
    assert status == (0 if valid else 4)


def test_not_evaluated() -> None:
    ext, value = parsed_match("-m bpf --bytecode '1,6 0 0 1'")
    with pytest.raises(NotImplementedError, match="bpf"):
        ext.matches(value, None, None)
