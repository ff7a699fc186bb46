"""The parse template cache must never change what a parse says.

Every rule of iptables' own test corpus is parsed, then parsed again with
other words in the places that take values (addresses, ports, marks...), both
through the cache and without it: the commands, or the errors, must be equal.
"""

from __future__ import annotations

import json
import random
import shlex

import pytest

from nflab.iptables import parse_templates
from nflab.iptables.errors import BadArgument, TryHelp, XtablesError
from nflab.iptables.names import Names
from nflab.iptables.parse import parse_command, parse_uncached
from shared import shared_path

_POOL_TEXT = (
    "10.0.0.1 10.0.0.0/8 1.2.3.4/255.0.255.0 localhost 10.1 0/0 1.2.3.4,5.6.7.8 80 1:1024 ssh"
    " http : 65536 0x10 nope -1 ! 22,80 1.2.3.4-1.2.3.9 0x1/0xff 7 eth0 + DEFAULT foo 1/sec"
    " ESTABLISHED DROP ACCEPT RETURN QUEUE LOG MARK INPUT OUTPUT PREROUTING POSTROUTING FOO"
    " ALongChainNameThatIsTooLong1234"
)
POOL = [*shlex.split(_POOL_TEXT), ""]


def _outcome(parse, argv: list[str], names: Names, restore: bool) -> object:
    warnings: list[str] = []
    try:
        cmd = parse(argv, names, restore=restore, line=3, warnings=warnings)
    except (XtablesError, BadArgument, TryHelp) as err:
        return (type(err).__name__, str(err), getattr(err, "status", None), list(warnings))
    return (cmd, list(warnings))


def _corpus() -> list[list[str]]:
    path = shared_path("conformance", "real-1.8.9-nft.jsonl")
    argvs = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("kind") != "test":
            continue
        table = ["-t", rec["table"]] if rec["table"] != "filter" else []
        try:
            words = shlex.split(rec["rule"])
        except ValueError:
            continue
        argvs.append(["iptables", "-A", rec["chain"], *table, *words])
    return argvs


def _variants(argv: list[str], rng: random.Random) -> list[list[str]]:
    out = []
    for _ in range(3):
        copy = list(argv)
        for i in range(2, len(copy)):
            if copy[i - 1].startswith("-") and not copy[i].startswith("-") and rng.random() < 0.6:
                copy[i] = rng.choice(POOL)
        out.append(copy)
    return out


@pytest.mark.parametrize("restore", [False, True])
def test_templates_agree_with_full_parses(restore: bool) -> None:
    names = Names()
    rng = random.Random(1)
    corpus = _corpus()
    checked = 0
    for argv in corpus:
        for variant in [argv, argv, *_variants(argv, rng)]:
            if restore:
                variant = ["iptables-restore", "-t", "filter", *variant[1:]]
            cached = _outcome(parse_command, variant, names, restore)
            plain = _outcome(parse_uncached, variant, names, restore)
            assert cached == plain, variant
            checked += 1
    assert checked > 1000


def test_a_template_is_learnt_and_reused() -> None:
    names = Names()
    first = shlex.split("iptables -A INPUT -s 10.0.0.1 -p udp --dport 53 -j DROP")
    second = shlex.split("iptables -A INPUT -s 10.0.0.2 -p udp --dport 54 -j DROP")
    parse_command(first, names)
    parse_command(first, names)  # a shape's template is made the second time it comes
    key, positions = parse_templates.shape(second)
    assert positions == (2, 4, 8, 10)  # the chain, the address, the port, the target
    learnt = parse_templates._TEMPLATES.get((id(names), False, key))
    assert isinstance(learnt, parse_templates.Template)
    assert parse_command(second, names) == parse_uncached(second, names)
    bad = [*second[:8], "nope", *second[9:]]
    assert _outcome(parse_command, bad, names, False) == _outcome(parse_uncached, bad, names, False)


@pytest.mark.parametrize("restore", [False, True])
def test_counters_are_values(restore: bool) -> None:
    """``-c PKTS BYTES`` as two words are values of a template; other forms stay literal."""
    names = Names()
    rng = random.Random(2)
    counts = ["0", "5", "18446744073709551616", "-1", "x", "1,2", "!", "-j", "", "7x", " 3"]
    for form in ("-c", "--set-counters", "--set-c"):
        for _ in range(40):
            argv = ["iptables", "-A", "INPUT", form, rng.choice(counts), rng.choice(counts)]
            argv += ["-s", rng.choice(POOL), "-j", "ACCEPT"]
            if restore:
                argv = ["iptables-restore", "-t", "filter", *argv[1:]]
            cached = _outcome(parse_command, argv, names, restore)
            assert cached == _outcome(parse_uncached, argv, names, restore), argv
    argv = ["iptables", "-A", "INPUT", "-c", "1", "2", "-j", "ACCEPT"]
    parse_command(argv, names)
    parse_command(argv, names)
    key, positions = parse_templates.shape(argv)
    assert positions == (2, 4, 5, 7)  # the chain, the counters, the target
    assert isinstance(parse_templates._TEMPLATES.get((id(names), False, key)), parse_templates.Template)
