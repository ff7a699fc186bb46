"""iptables-restore in both flavours: the file format, commits, and each backend's errors.

Expected texts are what iptables 1.8.9 printed for the same input in a
scratch network namespace on this machine.
"""

from __future__ import annotations

import random

import pytest

from helpers import Shell
from nflab.iptables.errors import ParameterProblem
from nflab.iptables.restore_format import (
    input_lines,
    nft_batch_message,
    parse_counters,
    rule_counters,
    split_params,
)
from nflab.iptables.rule import Counters

NFT = "iptables-nft-restore"
LEGACY = "iptables-legacy-restore"
FILTER_FRESH = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]


def saved(sh: Shell, flavour: str) -> list[str]:
    text = sh.ok(f"iptables-{flavour}-save -c")
    return [line for line in text.splitlines() if not line.startswith("#")]


def restore(
    text: str, flavour: str, args: str = "", sh: Shell | None = None
) -> tuple[Shell, int, str]:
    sh = sh or Shell()
    result = sh(f"iptables-{flavour}-restore {args}".strip(), stdin=text)
    return sh, result.status, result.out + result.err


# -- the line format -------------------------------------------------------------------


def test_split_params_quotes_and_escapes() -> None:
    assert split_params('-A X  -m comment --comment "a b"\t-j  ACCEPT\n') == [
        "-A",
        "X",
        "-m",
        "comment",
        "--comment",
        "a b",
        "-j",
        "ACCEPT",
    ]
    assert split_params(r'--comment "say \"hi\"" x') == ["--comment", 'say "hi"', "x"]
    assert split_params('x "" y') == ["x", "", "y"]  # a closing quote always ends a word
    assert split_params('a""b') == ["a", "b"]
    assert split_params('"ab"cd') == ["ab", "cd"]
    assert split_params("x\ry") == ["x\ry"]  # only space, tab and newline separate


def _add_param_to_argv(text: str) -> list[str] | str:
    """``add_param_to_argv`` character by character, as xshared.c reads a line."""
    params: list[str] = []
    buf: list[str] = []
    quote_open = escaped = False
    for ch in text:
        if quote_open:
            if escaped:
                buf.append(ch)
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quote_open = False
                params.append("".join(buf))
                buf = []
            else:
                buf.append(ch)
        elif ch == '"':
            quote_open = True
        elif ch in " \t\n":
            if buf:
                params.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
        if len(buf) >= 1024:
            return "Parameter too long!"
    if buf:
        params.append("".join(buf))
    return params


def test_split_params_as_add_param_to_argv() -> None:
    rng = random.Random(5)
    alphabet = ["a", "b", " ", "\t", "\n", '"', "\\", "\r", "\x0b", "é", "\u2003"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(20000)]
    texts += ['"' + "x" * 1023, '"' + "x" * 1022 + '"', "a" * 1023 + " " + "\\" * 2047 + "b"]
    texts += ['"' + "\\x" * 1023 + '"', 'x "' + "y" * 1024]
    for text in texts:
        try:
            got: list[str] | str = split_params(text)
        except ParameterProblem as err:
            got = str(err)
        assert got == _add_param_to_argv(text), repr(text)


def test_split_params_too_long() -> None:
    from nflab.iptables.errors import ParameterProblem

    with pytest.raises(ParameterProblem, match="Parameter too long!"):
        split_params("x" * 1024)
    assert split_params("x" * 1023) == ["x" * 1023]


def test_rule_counters() -> None:
    assert rule_counters("[1:2] -A INPUT\n", 3) == ("1", "2", " -A INPUT\n")
    assert rule_counters("-A INPUT\n", 3) == (None, None, "-A INPUT\n")
    from nflab.iptables.errors import ParameterProblem

    with pytest.raises(ParameterProblem, match="Bad line 7: need ]"):
        rule_counters("[1:2 -A INPUT\n", 7)
    with pytest.raises(ParameterProblem, match="Bad line 7: need ]"):
        rule_counters("[12] -A X\n", 7)


def test_parse_counters() -> None:
    assert parse_counters("[5:300]") == Counters(5, 300)
    assert parse_counters("[5:300") == Counters(5, 300)  # sscanf stops after two numbers
    assert parse_counters("5:300") is None
    assert parse_counters(None) is None


def test_input_lines_like_fgets() -> None:
    assert input_lines("a\nb") == ["a\n", "b"]
    assert input_lines("a\n\n") == ["a\n", "\n"]
    assert input_lines("") == []


def test_nft_batch_message_buffer() -> None:
    """Each refusal is snprintf-ed into what is left of 1024 bytes; one that does not fit
    is written truncated in place, and the next one overwrites it."""
    errors = [f"\nline {n:3d}: " + "x" * 59 for n in range(20)]  # 70 characters each
    assert nft_batch_message(errors[:2]) == errors[0] + errors[1]
    text = nft_batch_message(errors)
    assert text == "".join(errors[:14]) + errors[19][:43]  # 14 fit in 980, 43 more bytes
    assert len(text) == 1023
    shorter = [*errors[:14], errors[14], "\nline 99: ok"]
    assert nft_batch_message(shorter) == "".join(errors[:14]) + "\nline 99: ok"


# -- committing ---------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_restore_with_counters(flavour: str) -> None:
    text = "*filter\n:INPUT ACCEPT [1:2]\n[3:4] -A INPUT -j ACCEPT\nCOMMIT\n"
    sh, status, out = restore(text, flavour, "-c")
    assert (status, out) == (0, "")
    assert saved(sh, flavour) == [
        "*filter",
        ":INPUT ACCEPT [1:2]",
        ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "[3:4] -A INPUT -j ACCEPT",
        "COMMIT",
    ]
    sh, status, _ = restore(text, flavour)
    assert saved(sh, flavour)[1] == ":INPUT ACCEPT [0:0]"
    assert "[0:0] -A INPUT -j ACCEPT" in saved(sh, flavour)


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_missing_commit(flavour: str) -> None:
    sh, status, out = restore("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", flavour)
    prog = NFT if flavour == "nft" else "iptables-restore"
    assert (status, out) == (1, f"{prog}: COMMIT expected at line 4\n")
    # legacy loaded the table's module, nft made nothing
    assert saved(sh, flavour) == ([] if flavour == "nft" else [*FILTER_FRESH, "COMMIT"])


def test_tables_before_a_failure_stay_committed() -> None:
    text = (
        "*filter\n:INPUT DROP [1:2]\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A FOO -j ACCEPT\nCOMMIT\n"
    )
    sh, status, out = restore(text, "nft")
    assert (status, out) == (1, f"{NFT}: line 6 failed: No chain/target/match by that name.\n")
    assert saved(sh, "nft")[1:2] == [":INPUT DROP [0:0]"]
    assert "*nat" not in saved(sh, "nft")
    sh, status, out = restore(text, "legacy")
    assert (status, out) == (1, "iptables-restore: line 6 failed\n")
    assert saved(sh, "legacy")[0] == "*nat"  # instantiated, newest first, but empty


def test_parse_error_names_line_and_program() -> None:
    _, status, out = restore("*filter\n-A INPUT --bogus\nCOMMIT\n", "nft")
    assert status == 2
    assert out == (
        f'{NFT} v1.8.9 (nf_tables): unknown option "--bogus"\n'
        "Error occurred at line: 2\n"
        f"Try `{NFT} -h' or '{NFT} --help' for more information.\n"
    )
    _, status, out = restore("*filter\n-t nat -A INPUT -j ACCEPT\nCOMMIT\n", "legacy")
    assert status == 2
    assert out.splitlines()[0] == (
        "iptables-restore v1.8.9 (legacy): The -t option cannot be used in iptables-restore."
    )


def test_nft_checks_at_commit_legacy_at_the_line() -> None:
    text = "*filter\n-A FOO -j ACCEPT\n-A INPUT --bogus\nCOMMIT\n"
    _, status, out = restore(text, "nft")
    assert status == 2 and "Error occurred at line: 3" in out
    _, status, out = restore(text, "legacy")
    assert (status, out) == (1, "iptables-restore: line 2 failed\n")


def test_jump_to_missing_chain() -> None:
    text = "*filter\n-A INPUT -j FOO\n:FOO - [0:0]\nCOMMIT\n"
    _, status, out = restore(text, "nft")
    assert status == 2
    assert out.splitlines()[:2] == [
        f"{NFT} v1.8.9 (nf_tables): Chain 'FOO' does not exist",
        "Error occurred at line: 4",
    ]
    _, status, out = restore(text, "legacy")
    assert out.splitlines()[:3] == [
        "iptables-restore v1.8.9 (legacy): Couldn't load target `FOO':No such file or directory",
        "",
        "Error occurred at line: 2",
    ]


def test_nft_lists_every_refused_rule() -> None:
    text = "*filter\n-A INPUT -j ACCEPT\n-A INPUT -j INPUT\n-A OUTPUT -j OUTPUT\nCOMMIT\n"
    _, status, out = restore(text, "nft")
    assert status == 4
    assert out == (
        f"{NFT} v1.8.9 (nf_tables): \n"
        "line 3: RULE_APPEND failed (Operation not supported): rule in chain INPUT\n"
        "line 4: RULE_APPEND failed (Operation not supported): rule in chain OUTPUT\n"
    )
    _, status, out = restore(text, "legacy")
    assert (status, out) == (1, "iptables-restore: line 3 failed\n")


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_loops_only_when_a_hook_reaches_them(flavour: str) -> None:
    unreachable = "*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j A\nCOMMIT\n"
    _, status, _ = restore(unreachable, flavour)
    assert status == 0
    reachable = unreachable.replace("COMMIT", "-A INPUT -j A\nCOMMIT")
    _, status, out = restore(reachable, flavour)
    if flavour == "nft":
        assert (status, out.splitlines()[1]) == (
            4,
            "line 6: RULE_APPEND failed (Too many links): rule in chain INPUT",
        )
    else:
        assert (status, out) == (1, "iptables-restore: line 7 failed\n")


def test_chain_lines() -> None:
    dup = "*filter\n:FOO - [0:0]\n:FOO - [0:0]\nCOMMIT\n"
    assert restore(dup, "nft")[1] == 0  # nft flushes an existing chain
    _, status, out = restore(dup, "legacy")
    assert status == 2
    assert out.startswith(
        "iptables-restore v1.8.9 (legacy): error creating chain 'FOO':File exists\n"
    )
    _, status, out = restore("*filter\n:INPUT BLAH [0:0]\nCOMMIT\n", "nft")
    assert (status, out) == (1, f"{NFT}: line 2 failed: Bad policy name.\n")
    _, status, out = restore("*filter\n:INPUT BLAH [0:0]\nCOMMIT\n", "legacy")
    assert (status, out) == (
        1,
        "iptables-restore v1.8.9 (legacy): Can't set policy `BLAH' on `INPUT' line 2: Bad policy name\n",
    )
    sh, status, _ = restore("*filter\n:FOO ACCEPT [0:0]\nCOMMIT\n", "nft")
    assert status == 0 and ":FOO - [0:0]" in saved(sh, "nft")
    _, status, out = restore("*filter\n:INPUT\nCOMMIT\n", "legacy")
    assert out.startswith(
        "iptables-restore v1.8.9 (legacy): iptables-restore: line 2 policy invalid\n"
    )
    _, status, out = restore("*filter\n:INPUT ACCEPT\nCOMMIT\n", "nft", "-c")
    assert out.startswith(f"{NFT} v1.8.9 (nf_tables): invalid policy counters for chain 'INPUT'\n")


def test_table_lines() -> None:
    _, status, out = restore("*bogus\nCOMMIT\n", "nft")
    assert out.startswith(f"{NFT} v1.8.9 (nf_tables): {NFT}: line 1 table name 'bogus' invalid\n")
    _, status, out = restore("*bogus\nCOMMIT\n", "legacy")
    assert out.startswith(
        "iptables-restore v1.8.9 (legacy): iptables-restore: unable to initialize table 'bogus'\n"
    )
    _, status, out = restore("-A INPUT -j ACCEPT\n*filter\nCOMMIT\n", "nft")
    assert (status, out) == (1, f"{NFT}: line 1 failed\n")


def test_flush_differs_between_backends() -> None:
    """nft deletes the table and makes it anew; legacy flushes rules, keeps policies."""
    text = "*filter\n:INPUT DROP [0:0]\nCOMMIT\n*filter\n:FORWARD DROP [0:0]\nCOMMIT\n"
    sh, _, _ = restore(text, "nft")
    assert saved(sh, "nft")[1:3] == [":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]"]
    sh, _, _ = restore(text, "legacy")
    assert saved(sh, "legacy")[1:3] == [":INPUT DROP [0:0]", ":FORWARD DROP [0:0]"]
    sh = Shell()
    sh.ok("iptables-nft -A INPUT -j ACCEPT")
    restore("*filter\nCOMMIT\n", "nft", sh=sh)
    assert saved(sh, "nft") == []


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_noflush_and_test_mode(flavour: str) -> None:
    sh = Shell()
    sh.ok(f"iptables-{flavour} -N FOO")
    sh.ok(f"iptables-{flavour} -A FOO -j ACCEPT")
    sh.ok(f"iptables-{flavour} -A INPUT -j FOO")
    restore("*filter\n:FOO - [0:0]\n-A OUTPUT -j DROP\nCOMMIT\n", flavour, "-n", sh=sh)
    rules = [line for line in saved(sh, flavour) if "-A" in line]
    assert rules == ["[0:0] -A INPUT -j FOO", "[0:0] -A OUTPUT -j DROP"]
    restore("*filter\n-A OUTPUT -j ACCEPT\nCOMMIT\n", flavour, "-t", sh=sh)
    assert [line for line in saved(sh, flavour) if "-A" in line] == rules


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_table_option_skips_other_sections(flavour: str) -> None:
    text = "*nat\n-A NOPE -j ACCEPT\nCOMMIT\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\n"
    sh, status, out = restore(text, flavour, "-T filter")
    assert (status, out) == (0, "")
    assert "[0:0] -A INPUT -j ACCEPT" in saved(sh, flavour)


def test_verbose_echoes_comments_and_flushes() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -N BAR")
    _, status, out = restore("# hello\n*filter\nCOMMIT\n", "legacy", "-v", sh=sh)
    assert out.splitlines()[:3] == ["# hello", "Flushing chain `INPUT'", "Flushing chain `FORWARD'"]
    assert out.splitlines()[-1] == "Deleting chain `BAR'"


# -- options ----------------------------------------------------------------------------------


def test_options_and_usage() -> None:
    sh = Shell()
    assert sh("iptables-legacy-restore -V").out == "iptables-restore v1.8.9 (legacy)\n"
    assert sh("iptables-restore -V").out == "iptables-restore v1.8.9 (nf_tables)\n"
    result = sh("iptables-nft-restore -x")
    assert (result.status, result.err) == (
        1,
        "iptables-nft-restore: invalid option -- 'x'\nTry `iptables-nft-restore -h' for more information.\n",
    )
    result = sh("iptables-legacy-restore --t")
    assert result.err.splitlines()[0] == (
        "iptables-legacy-restore: option '--t' is ambiguous; possibilities: '--test' '--table'"
    )
    result = sh("iptables-legacy-restore -w abc")
    assert (result.status, result.err.splitlines()[1]) == (2, "Error occurred at line: 0")
    result = sh("iptables-legacy-restore -W 5")
    assert result.err == (
        "Ignoring deprecated --wait-interval option.\nOption --wait-interval requires option --wait\n"
    )
    assert sh("iptables-nft-restore -w abc").status == 0
    result = sh("iptables-nft-restore a b")
    assert (result.status, result.err) == (1, "Unknown arguments found on commandline\n")
    result = sh("iptables-nft-restore nonexist")
    assert result.err == "Can't open nonexist: No such file or directory\n"
    assert sh("iptables-legacy-restore -h").err.startswith(
        "Usage: iptables-restore [-c] [-v] [-V] [-t] [-h] [-n] [-w secs] [-W usecs]"
    )


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_ipv6_lines_are_ignored(flavour: str) -> None:
    """``-6`` ends the line's parse: what came before it still runs, with no address."""
    text = "*filter\n-A INPUT -6 -j DROP\n-6 -N FOO\n-N BAR -6\nCOMMIT\n"
    sh, status, out = restore(text, flavour)
    assert (status, out) == (0, "")
    assert saved(sh, flavour) == [*FILTER_FRESH, ":BAR - [0:0]", "COMMIT"]


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_listing_inside_a_restore(flavour: str) -> None:
    sh, status, out = restore("*filter\n-L INPUT\n-S\nCOMMIT\n", flavour)
    assert status == 0
    assert out.splitlines() == [
        "Chain INPUT (policy ACCEPT)",
        "target     prot opt source               destination         ",
        "-P INPUT ACCEPT",
        "-P FORWARD ACCEPT",
        "-P OUTPUT ACCEPT",
    ]
    # listing adds nothing: iptables-nft makes no table for it
    assert saved(sh, flavour) == ([] if flavour == "nft" else [*FILTER_FRESH, "COMMIT"])


def test_legacy_checks_what_each_hook_walk_reaches() -> None:
    """x_tables checks a rule with the hooks whose walk gets to it: nothing after an
    unconditional ``-j ACCEPT``; nf_tables checks every rule of a reached chain."""
    from nflab.iptables.extension import find_target

    if find_target("MASQUERADE") is None:
        pytest.skip("needs the MASQUERADE target")
    hidden = "*nat\n-A INPUT -j ACCEPT\n-A INPUT -j MASQUERADE\nCOMMIT\n"
    assert restore(hidden, "legacy")[1] == 0
    _, status, out = restore(hidden, "nft")
    assert (status, out.splitlines()[1]) == (
        4,
        "line 3: RULE_APPEND failed (Invalid argument): rule in chain INPUT",
    )
    reached = "*nat\n-A INPUT -p tcp -j ACCEPT\n-A INPUT -j MASQUERADE\nCOMMIT\n"
    assert restore(reached, "legacy")[1:] == (1, "iptables-restore: line 4 failed\n")
    returned = (
        "*nat\n:FOO - [0:0]\n-A INPUT -j FOO\n-A FOO -j RETURN\n-A FOO -j MASQUERADE\nCOMMIT\n"
    )
    assert restore(returned, "legacy")[1] == 0


def test_reads_the_named_file() -> None:
    from nflab.programs.base import Io, SimpleHost
    from nflab.programs.iptables_restore import iptables_restore_main

    files = {"/etc/rules": "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n"}

    def read_file(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(2, "No such file or directory")
        return files[path]

    host = SimpleHost()
    io = Io()
    assert iptables_restore_main(["iptables-restore", "/etc/rules"], io, host, read_file) == 0
    assert host.netfilter.nft.tables["filter"].chains["INPUT"].rules
    io = Io()
    assert iptables_restore_main(["iptables-restore", "/nope"], io, host, read_file) == 1
    assert io.stderr == "Can't open /nope: No such file or directory\n"
