"""nflab.kernel.sdk against the real iptables, in scratch network namespaces (needs root).

Every namespace is ``nflab-sdk-<pid>-<n>``, made by the fixture and always deleted;
nothing here runs iptables in the host's namespace.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nflab.iptables.flavour import LEGACY, NFT, Flavour
from nflab.iptables.names import Names
from nflab.iptables.restore import Restore, RestoreOptions
from nflab.iptables.rule import Jump, Rule
from nflab.kernel import sdk
from nflab.netfilter.tables import Ruleset

REALWORLD = Path("/work/shared/rulesets/realworld")
BACKENDS = ("nft", "legacy")
# every dump (the real restores' results are recorded beside them; those they reject skip)
DUMPS = (
    sorted(p.name for p in REALWORLD.glob("*") if p.is_file() and p.name != "README.md")
    if REALWORLD.is_dir()
    else []
)

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="the SDK tests create network namespaces: they need root"
)
_counter = itertools.count()


@pytest.fixture
def make_netns() -> Iterator[Callable[[], str]]:
    """Makes scratch namespaces on demand; deletes them all at the end, whatever happened."""
    made: list[str] = []

    def make() -> str:
        name = f"nflab-sdk-{os.getpid()}-{next(_counter)}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        made.append(name)
        return name

    try:
        yield make
    finally:
        for name in made:
            subprocess.run(["ip", "netns", "del", name], check=False)


def _rules(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


def _real_ok(dump: str, backend: str) -> bool:
    rc = REALWORLD / "real" / f"{dump}.{backend}.rc"
    return rc.exists() and rc.read_text().strip() == "0"


def _load_real(netns: str, backend: str, text: str) -> None:
    """Loads a dump with the real restore directly (the SDK is not involved)."""
    tool = f"iptables-{backend}-restore"
    subprocess.run(["ip", "netns", "exec", netns, tool], input=text, text=True, check=True)


def test_needs_a_namespace_or_explicit_host() -> None:
    with pytest.raises(ValueError, match="host=True"):
        sdk.read_save_text()


@needs_root
def test_detect_backend(make_netns: Callable[[], str]) -> None:
    assert sdk.detect_backend(make_netns()) in BACKENDS


@needs_root
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dump", DUMPS)
def test_round_trip_realworld(make_netns: Callable[[], str], dump: str, backend: str) -> None:
    if not _real_ok(dump, backend):
        pytest.skip(f"the real iptables-{backend}-restore rejects {dump}")
    source, target = make_netns(), make_netns()
    _load_real(source, backend, (REALWORLD / dump).read_text())
    before = sdk.read_save_text(source, backend=backend)
    model = sdk.read_ruleset(source, backend=backend)
    assert "\n".join(_rules(model.save_text())) == "\n".join(
        _rules(before)
    )  # nflab's rendering is the real one
    sdk.apply(model, target)
    after = sdk.read_save_text(target, backend=backend)
    assert _rules(after) == _rules(before)
    assert _rules(after)  # something was loaded at all


@needs_root
@pytest.mark.parametrize("backend", BACKENDS)
def test_build_and_edit_in_python(make_netns: Callable[[], str], backend: str) -> None:
    ns = make_netns()
    model = sdk.KernelRuleset.empty(backend)
    model.new_chain("filter", "WEB")
    model.append("filter", "WEB", "-p tcp --dport 80 -j ACCEPT")
    model.append("filter", "INPUT", "-s 10.0.0.0/8 -j WEB")
    model.insert("filter", "INPUT", "-i lo -j ACCEPT")
    model.append("filter", "INPUT", "-p udp -j DROP")
    model.delete("filter", "INPUT", "-p udp -j DROP")
    first = model.rules("filter", "INPUT")[0]
    model.append("filter", "OUTPUT", first)  # a rule value
    model.delete("filter", "OUTPUT", 1)
    model.append("filter", "FORWARD", first)
    model.set_policy("filter", "FORWARD", "DROP")
    sdk.apply(model, ns)
    got = _rules(sdk.read_save_text(ns, backend=backend))
    assert ":FORWARD DROP [0:0]" in got
    assert got.index("-A INPUT -i lo -j ACCEPT") < got.index("-A INPUT -s 10.0.0.0/8 -j WEB")
    assert "-A WEB -p tcp -m tcp --dport 80 -j ACCEPT" in got
    assert "-A FORWARD -i lo -j ACCEPT" in got
    assert not any(line.startswith("-A OUTPUT") or "udp" in line for line in got)


def test_model_edit_errors_are_iptables_messages() -> None:
    model = sdk.KernelRuleset.empty("nft")
    with pytest.raises(sdk.SdkError, match="NOPE"):
        model.append("filter", "INPUT", "-j NOPE")
    with pytest.raises(sdk.SdkError):
        model.delete("filter", "INPUT", "-p tcp -j ACCEPT")


_OLD = (
    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
)


@needs_root
@pytest.mark.parametrize("backend", BACKENDS)
def test_safe_apply_rolls_back_unless_confirmed(
    make_netns: Callable[[], str], backend: str
) -> None:
    ns = make_netns()
    _load_real(ns, backend, _OLD)
    old = _rules(sdk.read_save_text(ns, backend=backend))
    model = sdk.read_ruleset(ns, backend=backend)
    model.set_policy("filter", "INPUT", "DROP")
    model.append("nat", "POSTROUTING", "-o eth9 -j MASQUERADE")  # a table not there before
    result = sdk.safe_apply(model, ns, confirm_within=0.3, confirm=lambda: False)
    assert result == sdk.SafeApplyResult(confirmed=False, rolled_back=True)
    back = _rules(sdk.read_save_text(ns, backend=backend))
    assert not any("MASQUERADE" in line for line in back)
    assert _rules_of_table(back, "filter") == _rules_of_table(old, "filter")
    if backend == "nft":
        assert back == old


def _rules_of_table(lines: list[str], table: str) -> list[str]:
    start = lines.index(f"*{table}")
    return lines[start : lines.index("COMMIT", start)]


@needs_root
@pytest.mark.parametrize("backend", BACKENDS)
def test_safe_apply_keeps_confirmed_rules(make_netns: Callable[[], str], backend: str) -> None:
    ns = make_netns()
    _load_real(ns, backend, _OLD)
    model = sdk.read_ruleset(ns, backend=backend)
    model.set_policy("filter", "INPUT", "DROP")
    result = sdk.safe_apply(model, ns, confirm_within=5, confirm=lambda: True)
    assert result.confirmed and not result.rolled_back
    assert ":INPUT DROP [0:0]" in _rules(sdk.read_save_text(ns, backend=backend))


@needs_root
@pytest.mark.parametrize("backend", BACKENDS)
def test_failed_apply_keeps_previous_rules(make_netns: Callable[[], str], backend: str) -> None:
    ns = make_netns()
    _load_real(ns, backend, _OLD)
    old = _rules(sdk.read_save_text(ns, backend=backend))
    model = sdk.read_ruleset(ns, backend=backend)
    model.set_policy("filter", "INPUT", "DROP")
    # a rule value (unchecked by nflab) jumping to no chain: the real restore refuses it,
    # in a table after filter, which a restore has committed by then
    model.append("mangle", "INPUT", Rule(target=Jump("NOWHERE")))
    with pytest.raises(sdk.SdkError) as failed:
        sdk.safe_apply(model, ns, confirm_within=5, confirm=lambda: True)
    assert "previous rules kept" in failed.value.message
    assert failed.value.message.strip() != "(previous rules kept)"  # the tool's own words
    after = _rules(sdk.read_save_text(ns, backend=backend))
    assert _rules_of_table(after, "filter") == _rules_of_table(old, "filter")
    with pytest.raises(sdk.SdkError):
        sdk.apply(model, ns)


@pytest.mark.parametrize("flavours", [(LEGACY, LEGACY), (NFT, LEGACY), (NFT, NFT)])
def test_a_template_of_an_earlier_restore_keeps_each_jump(flavours: tuple[Flavour, ...]) -> None:
    """nflab's restore, twice with one Names: the second run's lines fit the template the
    first learnt from another line (``-j B``); each rule still jumps where its line says."""
    names = Names()
    text = "*filter\n:A - [0:0]\n:B - [0:0]\n"
    text += "[0:0] -A FORWARD -j A\n[0:0] -A FORWARD -j B\nCOMMIT\n"
    for flavour in flavours:
        ruleset = Ruleset(flavour=flavour.name)
        restore = Restore(
            ruleset, flavour, "iptables-restore", names, RestoreOptions(counters=True)
        )
        for line in text.splitlines(keepends=True):
            restore.feed(line)
        jumps = [rule.jumps_to() for rule in ruleset.view("filter").chains["FORWARD"].rules]
        assert jumps == ["A", "B"]
