"""``-j TRACE`` with iptables-legacy: the kernel log lines of a traced packet.

The transcript beside this file was recorded on the real kernel; the unit
tests pin the numbering rules of ``trace_packet`` on constructed tables.
"""

from __future__ import annotations

from pathlib import Path

from helpers import assert_transcript
from nflab.iptables.rule import Jump, Rule, Verdict
from nflab.netfilter.engine import Step
from nflab.netfilter.tables import Table
from nflab.netfilter.tracelog import trace_comment

HERE = Path(__file__).parent


def test_transcript() -> None:
    assert_transcript(HERE / "trace-target.md")


def table() -> Table:
    t = Table.fresh("filter")
    t.add_chain("USER")
    t.chains["INPUT"].append(Rule(proto=6, target=Verdict("ACCEPT")))
    t.chains["INPUT"].append(Rule(target=Jump("USER")))
    t.chains["INPUT"].append(Rule(target=Verdict("DROP")))
    t.chains["USER"].append(Rule(target=Verdict("ACCEPT")))
    return t


def test_numbering() -> None:
    t = table()
    rules = t.chains["INPUT"].rules
    assert trace_comment(t, Step("filter", "INPUT", "rule", 1, "ACCEPT", rules[0])) == ("rule", 1)
    # a jump is not a standard verdict: a rule, even without matches
    assert trace_comment(t, Step("filter", "INPUT", "rule", 2, "USER", rules[1])) == ("rule", 2)
    # an unconditional standard verdict reads as the chain's tail
    assert trace_comment(t, Step("filter", "INPUT", "rule", 3, "DROP", rules[2])) == ("policy", 3)
    user = t.chains["USER"].rules[0]
    assert trace_comment(t, Step("filter", "USER", "rule", 1, "ACCEPT", user)) == ("return", 1)
    assert trace_comment(t, Step("filter", "USER", "return", 2)) == ("return", 2)
    assert trace_comment(t, Step("filter", "INPUT", "policy", 0, "ACCEPT")) == ("policy", 4)
    assert trace_comment(t, Step("filter", "INPUT", "miss", 1, "", rules[0])) is None
