"""The restore's line shapes must never change what a restore does.

Every restore here runs twice: as nflab runs it (lines of a known shape take
the fast path of restore_shapes.py, other lines a parse template when one
fits) and with both switched off (every line parsed, read back and executed in
full). The exit status, everything
printed, and ``iptables-save -c`` afterwards must be the same, in both
flavours: for iptables' own test corpus with other values in the places that
take them, for the real-world dumps, and for the states a section can be in
when a line of a known shape comes (chains gone, base chains unregistered,
errors held, jumps, counters).
"""

from __future__ import annotations

import json
import random
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address
from typing import Any

import pytest

from nflab.iptables import parse_templates
from nflab.iptables.extension import MATCHES, MatchExtension, RuleContext, Show
from nflab.iptables.names import Names
from nflab.iptables.parse import Command, parse_command, parse_uncached
from nflab.iptables.restore_shapes import RuleShapes
from nflab.iptables.xtoptions import Opt, OptType
from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables_restore import iptables_restore_main
from nflab.programs.iptables_save import iptables_save_main
from shared import SHARED, shared_path

FLAVOURS = ("nft", "legacy")
_POOL = [
    *shlex.split(
        "10.0.0.1 10.0.0.0/8 1.2.3.4/255.0.255.0 localhost 10.1 0/0 1.2.3.4,5.6.7.8 80 1:1024"
        " ssh http : :1023 65536 0x10 nope -1 ! 22,80 1.2.3.4-1.2.3.9 0x1/0xff 7 eth0 + DEFAULT"
        " foo 1/sec ESTABLISHED 0 65535 5:3"
    ),
    "",
]


class _Counted:
    fast = 0


@contextmanager
def _fast_path(enabled: bool) -> Iterator[type[_Counted]]:
    """Count the lines the fast path appends; or switch it off, and the parse templates."""
    original, parse = RuleShapes.append, parse_templates.parse

    def append(self: RuleShapes, argv: list[str]) -> bool:
        done = enabled and original(self, argv)
        _Counted.fast += done
        return done

    def full_parse(
        argv: list[str], names: Names, restore: bool, line: int, warnings: list[str] | None
    ) -> Command:
        return parse_uncached(argv, names, restore=restore, line=line, warnings=warnings)

    _Counted.fast = 0
    RuleShapes.append = append  # type: ignore[method-assign]
    if not enabled:
        parse_templates.parse = full_parse
    try:
        yield _Counted
    finally:
        RuleShapes.append = original  # type: ignore[method-assign]
        parse_templates.parse = parse


def _run(text: str, flavour: str, fast: bool, options: tuple[str, ...] = ()) -> tuple[object, int]:
    host = SimpleHost()
    io = Io(stdin=text)
    with _fast_path(fast) as counted:
        status = iptables_restore_main([f"iptables-{flavour}-restore", *options], io, host)
    saved = Io()
    iptables_save_main([f"iptables-{flavour}-save", "-c"], saved, host)
    kept = [line for line in saved.stdout.splitlines() if not line.startswith("#")]
    # and what no listing shows: rule values, chain states (a base chain's registration)
    ruleset = host.netfilter.ruleset(flavour)
    tables = [(name, list(table.chains.values())) for name, table in ruleset.tables.items()]
    return (status, io.combined, kept, tables, ruleset.order), counted.fast


def assert_same(text: str, flavour: str, options: tuple[str, ...] = ()) -> int:
    """Restore with and without the fast path; the number of lines it took."""
    fast, count = _run(text, flavour, True, options)
    slow, _ = _run(text, flavour, False, options)
    assert fast == slow, text
    return count


def _quoted(word: str) -> str:
    """A word as add_param_to_argv reads it back."""
    if word and not any(c in word for c in ' \t\n"\\'):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _variant(words: list[str], rng: random.Random) -> list[str]:
    out = list(words)
    for i in range(1, len(out)):
        if out[i - 1].startswith("-") and not out[i].startswith("-") and rng.random() < 0.6:
            out[i] = rng.choice(_POOL)
    return out


def _corpus() -> list[tuple[str, str, list[str]]]:
    path = shared_path("conformance", "real-1.8.9-nft.jsonl")
    rules = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("kind") != "test":
            continue
        try:
            words = shlex.split(rec["rule"])
        except ValueError:
            continue
        rules.append((rec["table"], rec["chain"], words))
    return rules


def _section(table: str, chain: str, lines: list[list[str]]) -> str:
    body = "".join(f"-A {chain} {' '.join(map(_quoted, words))}\n" for words in lines)
    return f"*{table}\n{body}COMMIT\n"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_corpus_with_other_values(flavour: str) -> None:
    """Each rule of the corpus, then the same rule with other values: the second line
    takes the fast path when the first taught its shape, and must end as the full path
    ends (appended alike, or the same error at the same line)."""
    rng = random.Random(7)
    fast = 0
    for table, chain, words in _corpus():
        for _ in range(2):
            text = _section(table, chain, [words, words, words, _variant(words, rng)])
            fast += assert_same(text, flavour)
    assert fast > 2000  # the comparison means something (the third line of a shape is fast)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_counters_of_a_known_shape(flavour: str) -> None:
    lines = [f"[{n}:{n * 100}] -A INPUT -s 10.0.0.{n} -p tcp --dport {n} -j ACCEPT" for n in range(10)]
    lines += ["[1,2:3] -A INPUT -s 10.0.0.9 -p tcp --dport 9 -j ACCEPT"]
    lines += ["[x:3] -A INPUT -s 10.0.0.9 -p tcp --dport 9 -j ACCEPT"]
    text = "*filter\n" + "\n".join(lines) + "\nCOMMIT\n"
    assert assert_same(text, flavour, ("-c",)) >= 8
    assert assert_same(text, flavour) >= 8


def _dumps() -> list[str]:
    folder = SHARED.joinpath("rulesets", "realworld")
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "README.md")


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", _dumps())
def test_realworld_dumps(name: str, flavour: str) -> None:
    """The dumps as they are, and with other values in the rule lines."""
    text = shared_path("rulesets", "realworld", name).read_text()
    assert_same(text, flavour)
    rng = random.Random(name)
    lines = []
    for line in text.splitlines():
        if line.startswith("-A ") and '"' not in line and rng.random() < 0.3:
            line = " ".join(_variant(line.split(), rng))
        lines.append(line)
    assert_same("\n".join(lines) + "\n", flavour)


# -- the states a section can be in when a line of a known shape comes --------------------

_RULE = "-A {chain} -s 10.0.0.{n} -p udp -m udp --dport {n} -j {target}"


def _rules(chain: str, numbers: range, target: str = "DROP") -> str:
    return "".join(_RULE.format(chain=chain, n=n, target=target) + "\n" for n in numbers)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    "middle",
    [
        "-F INPUT\n",
        "-X\n",  # nft: drops the empty base chains, a later -A creates them again
        "-D INPUT 1\n-D INPUT 1\n-X\n",
        "-F INPUT\n-X\n",
        ":FOO - [0:0]\n-A FOO -j ACCEPT\n-X FOO\n",
        "-A INPUT -p tcp -m tcp --dport 1 -m udp --dport 2 -j DROP\n",  # nft: an error held
        "-A INPUT -j NOWHERE\n",  # a jump to no chain
        "-P INPUT DROP\n",
        "-A INPUT -s 10.0.0.0/8 -6 -j DROP\n",
        "-N BAR\n-E BAR BAZ\n-A BAZ -j RETURN\n",
    ],
)
def test_section_states(flavour: str, middle: str) -> None:
    text = "*filter\n" + _rules("INPUT", range(1, 4)) + middle + _rules("INPUT", range(4, 7))
    assert assert_same(text + "COMMIT\n", flavour) >= 1


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("middle", ["-F A\n-X A\n", "-F A\n-X A\n-N A\n", "-E A B\n"])
def test_the_chain_of_a_shape_goes(flavour: str, middle: str) -> None:
    text = "*filter\n:A - [0:0]\n" + _rules("A", range(1, 4)) + middle + _rules("A", range(4, 7))
    assert assert_same(text + "COMMIT\n", flavour) >= 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_user_chains_and_jumps(flavour: str) -> None:
    """A user chain's hooks change as jumps to it come; jumps are checked per line."""
    text = (
        "*filter\n:A - [0:0]\n:B - [0:0]\n"
        + _rules("A", range(1, 4))
        + "-A OUTPUT -j A\n"
        + _rules("A", range(4, 7))
        + _rules("B", range(1, 4), target="A")
        + "-A A -j B\n"  # a loop a hook reaches: refused
        + _rules("B", range(4, 7), target="A")
        + _rules("INPUT", range(1, 4), target="B")
        + "COMMIT\n"
    )
    assert assert_same(text, flavour) >= 8
    nat = "*nat\n:A - [0:0]\n" + "".join(
        f"-A A -d 10.0.0.{n}/32 -p tcp -m tcp --dport {n} -j DNAT --to-destination 10.1.0.{n}:80\n"
        for n in range(1, 6)
    )
    nat += "-A INPUT -j A\n-A PREROUTING -j A\nCOMMIT\n"  # DNAT is refused in INPUT
    assert_same(nat, flavour)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("table", "shape", "hook"),
    [
        ("nat", "-A A -d 10.0.0.{n}/32 -j DNAT --to-destination 10.1.0.{n}", "INPUT"),
        ("filter", "-A A -m owner --uid-owner {n} -j DROP", "INPUT"),
        ("filter", "-A A -s 10.0.0.{n} -j B", "OUTPUT"),
    ],
)
def test_hooks_reaching_a_user_chain_change(flavour: str, table: str, shape: str, hook: str) -> None:
    """A shape learnt while its user chain was not reached, lines of it once a hook
    whose checks it fails reaches the chain (legacy: the table is checked at COMMIT)."""
    lines = [f"*{table}", ":A - [0:0]", ":B - [0:0]"]
    lines += [shape.format(n=n) for n in range(1, 5)]
    lines += ["-F A", f"-A {hook} -j A"]
    lines += [shape.format(n=n) for n in range(4, 7)]
    lines += ["-F A", "-X B", shape.format(n=7), "COMMIT"]
    assert assert_same("\n".join(lines) + "\n", flavour) >= 2


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    "rule",
    [
        "-A INPUT ! -s {a} -p udp -m udp --dport {p} -j DROP",  # ! -s 0/0 at the end
        "-A INPUT -p udp -m udp ! --dport {p} -j DROP",  # ! --dport :1023 reads back
        "-A INPUT -p tcp -m tcp ! --sport {p} -m comment --comment c{p} -j DROP",
        "-A INPUT -m udp --dport {p} -j DROP",  # UDP match requires '-p udp'
        "-A INPUT -p udp -m multiport --dports {p} -j DROP",
        "-A INPUT -p tcp -m tcp --dport {p} -m tcp --sport {p} -j DROP",  # merged by nft
        "-A OUTPUT -p tcp -m tcp --dport {p} -j REJECT --reject-with tcp-reset",
        "-A INPUT -s {a} -m limit --limit {p}/sec -j LOG --log-prefix p{p}",
    ],
)
def test_values_that_change_what_happens(flavour: str, rule: str) -> None:
    rng = random.Random(rule)
    ports = ["1", "53", "0", "65535", ":1023", "1024:", "5:3", "x", "22,80", ":", "70000"]
    addresses = ["10.0.0.1", "10.0.0.0/8", "0/0", "0.0.0.0/0", "1.2.3.4,5.6.7.8", "nohost"]
    lines = [rule.format(a="10.9.9.9", p="80")] * 2
    lines += [rule.format(a=rng.choice(addresses), p=rng.choice(ports)) for _ in range(30)]
    for cut in range(2, len(lines), 4):  # an error stops the restore: try every part
        assert_same("*filter\n" + "\n".join(lines[:2] + lines[cut:]) + "\nCOMMIT\n", flavour)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_repetitive_rulesets_take_the_fast_path(flavour: str) -> None:
    """ClassBench-like and kube-proxy-like sets: most lines take the fast path."""
    rng = random.Random(3)
    lines = ["*filter", ":CB - [0:0]", "-A OUTPUT -j CB"]
    for _ in range(400):
        words = ["-A", "CB"]
        if rng.random() < 0.8:
            words += ["-s", f"{IPv4Address(rng.getrandbits(32))}/{rng.randint(8, 32)}"]
        if rng.random() < 0.8:
            words += ["-d", f"{IPv4Address(rng.getrandbits(32))}/{rng.randint(8, 32)}"]
        proto = rng.choice(["tcp", "udp", "icmp", None])
        if proto:
            words += ["-p", proto]
        if proto in ("tcp", "udp"):
            words += ["-m", proto, "--dport", rng.choice(["53", "80", "1024:65535", "443"])]
        lines.append(" ".join([*words, "-j", "ACCEPT"]))
    lines += ["-A CB -j DROP", "COMMIT"]
    assert assert_same("\n".join(lines) + "\n", flavour) > 300
    kube = ["*nat", ":KUBE-SERVICES - [0:0]", ":KUBE-MARK-MASQ - [0:0]"]
    kube += ["-A PREROUTING -j KUBE-SERVICES", "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"]
    for n in range(200):
        kube.append(
            f'-A KUBE-SERVICES -d 10.96.{n // 250}.{n % 250}/32 -p tcp -m comment --comment '
            f'"ns/svc{n}:http cluster IP" -m tcp --dport {80 + n % 3} -j KUBE-MARK-MASQ'
        )
    kube.append("COMMIT")
    assert assert_same("\n".join(kube) + "\n", flavour) > 150


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_matches_of_one_name_merge_by_value(flavour: str) -> None:
    """nft folds two tcp matches into one only when both compare something: the first line
    (``! --sport :`` compares nothing) reads back match by match, the next ones do not."""
    lines = [f"-A INPUT -p tcp -m tcp ! --sport {s} -m tcp --dport 22 -j DROP" for s in ":::"]
    lines += [f"-A INPUT -p tcp -m tcp ! --sport {s} -m tcp --dport 22 -j DROP" for s in "123"]
    assert_same("*filter\n" + "\n".join(lines) + "\nCOMMIT\n", flavour)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("table", ["filter", "nat"])
def test_chains_and_targets_are_values(flavour: str, table: str) -> None:
    """``-A CHAIN`` and ``-j TARGET`` words vary like other values: kube-proxy's lines differ
    in nothing else. Other chains (user, built-in, missing, too long, ``-o`` with INPUT),
    verdicts (DROP in nat), chains, missing chains and extension names as targets."""
    rng = random.Random(table)
    chains = ["A", "B", "C", "INPUT", "OUTPUT", "PREROUTING", "NOPE", "X" * 29, "POSTROUTING"]
    targets = ["A", "B", "C", "ACCEPT", "DROP", "RETURN", "NOPE", "LOG", "MARK", "INPUT", ""]
    lines = [f"*{table}", ":A - [0:0]", ":B - [0:0]", ":C - [0:0]"]
    for n in range(40):
        chain, target = rng.choice(chains), rng.choice(targets)
        out = "-o eth0 " if n % 7 == 0 else ""
        lines.append(f'-A {chain} -s 10.0.0.{n} {out}-p tcp -m tcp --dport {n} -j "{target}"')
    lines.append("COMMIT")
    for cut in range(4, 44, 3):  # an error stops the restore: try from every part on
        text = "\n".join(lines[:4] + ["-A A -s 1.1.1.1 -p tcp -m tcp --dport 1 -j B"] * 3)
        assert_same(text + "\n" + "\n".join(lines[cut:]) + "\n", flavour)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_warnings_of_a_value(flavour: str) -> None:
    """A value that makes its extension warn takes the full path, which prints it."""
    lines = [f"-A INPUT -m iprange --src-range 10.0.0.{n}-10.0.0.9 -j DROP" for n in (1, 2, 3, 4)]
    lines += [f"-A INPUT -m iprange --src-range 10.0.0.{n}-10.0.0.9 -j DROP" for n in (53, 5, 300)]
    assert_same("*filter\n" + "\n".join(lines) + "\nCOMMIT\n", flavour)


class _ChainEcho(MatchExtension):
    """A match whose value depends on its rule's chain (none of iptables' does, but nothing
    says one may not): a line in another chain must finalize it again."""

    name = "chainecho-test"
    options = (Opt("tag", OptType.STRING),)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> tuple[str, str]:
        return data.get("tag", ""), rule.chain

    def save(self, value: tuple[str, str], show: Show) -> str:
        return f" --tag {value[0]}"


@pytest.fixture
def chain_echo() -> Iterator[None]:
    MATCHES[_ChainEcho.name] = _ChainEcho()  # registered for this test only
    try:
        yield
    finally:
        del MATCHES[_ChainEcho.name]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_values_depending_on_the_chain(flavour: str, chain_echo: None) -> None:
    lines = ["*filter", ":A - [0:0]", ":B - [0:0]"]
    lines += [f"-A {c} -m chainecho-test --tag t{n} -j ACCEPT" for n, c in enumerate("AAABAB")]
    fast, _ = _run("\n".join([*lines, "COMMIT"]) + "\n", flavour, True)
    slow, _ = _run("\n".join([*lines, "COMMIT"]) + "\n", flavour, False)
    assert fast == slow
    chains = fast[3][0][1]  # type: ignore[index]
    assert [r.matches[0].value[1] for c in chains for r in c.rules] == list("AAAABB")


def test_templates_finalize_again_in_another_chain(chain_echo: None) -> None:
    names = Names()
    for chain in "AAB":
        argv = ["iptables", "-A", chain, "-m", "chainecho-test", "--tag", "x", "-j", "ACCEPT"]
        assert parse_command(argv, names).rules == parse_uncached(argv, names).rules
