"""Replay iptables' own 1.8.9 extension tests (``shared/conformance``) through nflab.

For every ``kind: test`` record, in file order and in one namespace per file
(as ``iptables-test.py`` runs them): ``iptables -A CHAIN [-t TABLE] RULE``,
compare the exit status and the first error line; on success compare the
``-A CHAIN`` lines of iptables-save with what the real binary saved, then
delete the rule with the original text (which must succeed).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables import iptables_main
from nflab.programs.iptables_save import iptables_save_main


@dataclass(frozen=True)
class Mismatch:
    file: str
    lineno: int
    chain: str
    rule: str
    what: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.lineno} [{self.chain}] {self.rule}\n"
            f"    {self.what}: expected {self.expected!r}\n"
            f"    {' ' * len(self.what)}  actual   {self.actual!r}"
        )


def load_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def records_by_file(path: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in load_records(path):
        out.setdefault(rec["file"], []).append(rec)
    return out


def _run(host: SimpleHost, argv: list[str], save: bool = False) -> tuple[int, str, str]:
    io = Io()
    try:
        rc = (iptables_save_main if save else iptables_main)(argv, io, host)
    except Exception as exc:  # a crash is a mismatch to report, not a reason to stop
        return 99, "", f"nflab crashed: {exc!r}"
    return rc, io.stdout, io.stderr


_COUNTERS = re.compile(r"(^|\s)(-c|--set-counters)\s+\S+(\s+\d+)?")


def _chain_lines(host: SimpleHost, save: str, table: str, chain: str) -> list[str]:
    """The ``-A CHAIN`` lines of iptables-save, without the ``-A CHAIN `` prefix."""
    _, saved, _ = _run(host, [save, "-t", table], save=True)
    prefix = f"-A {chain} "
    return [line[len(prefix) :] for line in saved.splitlines() if line.startswith(prefix)]


def replay_file(records: list[dict], flavour: str) -> Iterator[tuple[dict, Mismatch | None]]:
    prog = "iptables" if flavour == "nft" else "iptables-legacy"
    save = "iptables-save" if flavour == "nft" else "iptables-legacy-save"
    host = SimpleHost()
    commands_ran = False
    for rec in records:
        if rec["kind"] == "cmd":
            words = shlex.split(rec["cmd"])
            if len(words) > 1 and words[0].startswith("xtables-") and words[1] == "iptables":
                _run(host, [prog, *words[2:]])
                commands_ran = True
            continue
        chain, table = rec["chain"], rec["table"]
        # the recorded lines leave out rules a ``%iptables ...`` line put in the chain
        before = _chain_lines(host, save, table, chain) if commands_ran else []
        rule_words = shlex.split(rec["rule"])
        table_args = ["-t", table] if table != "filter" else []
        rc, _out, err = _run(host, [prog, "-A", chain, *table_args, *rule_words])
        first = err.split("\n")[0] if err else ""
        exp_first = rec["err"].split("\n")[0] if rec["err"] else ""
        common = dict(file=rec["file"], lineno=rec["lineno"], chain=chain, rule=rec["rule"])
        if rc != rec["rc"]:
            yield rec, Mismatch(**common, what="status", expected=(rec["rc"], exp_first), actual=(rc, first))
            continue
        if first != exp_first:
            yield rec, Mismatch(**common, what="error", expected=exp_first, actual=first)
            continue
        if rc != 0:
            yield rec, None
            continue
        got = _chain_lines(host, save, table, chain)
        for line in before:
            if line in got:
                got.remove(line)
        if got != rec["actual"]:
            yield rec, Mismatch(**common, what="saved", expected=rec["actual"], actual=got)
        delete_words = shlex.split(_COUNTERS.sub(" ", rec["rule"]))
        drc, _, derr = _run(host, [prog, "-D", chain, *table_args, *delete_words])
        if drc != 0:
            yield rec, Mismatch(**common, what="delete", expected=0, actual=(drc, derr.strip()))
            # keep the namespace clean for the next record, as a fresh -F would
            _run(host, [prog, "-t", table, "-F", chain])
            continue
        if got == rec["actual"]:
            yield rec, None


def replay(jsonl: Path, flavour: str) -> tuple[int, list[Mismatch]]:
    total = 0
    bad: list[Mismatch] = []
    for records in records_by_file(jsonl).values():
        for rec, mismatch in replay_file(records, flavour):
            if rec["kind"] == "test":
                total += 1
            if mismatch is not None:
                bad.append(mismatch)
    return total, bad


if __name__ == "__main__":  # python tests/conformance.py [nft|legacy] [FILE-SUBSTRING]
    import sys

    from shared import SHARED

    flavours = [sys.argv[1]] if len(sys.argv) > 1 else ["nft", "legacy"]
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    for fl in flavours:
        path = SHARED / "conformance" / f"real-1.8.9-{fl}.jsonl"
        total = 0
        bad: list[Mismatch] = []
        for name, records in records_by_file(path).items():
            if only and only not in name:
                continue
            for rec, mismatch in replay_file(records, fl):
                total += rec["kind"] == "test"
                if mismatch is not None:
                    bad.append(mismatch)
        for m in bad:
            print(m)
        failed_records = len({(m.file, m.lineno, m.chain) for m in bad})
        print(f"{fl}: {total - failed_records}/{total} records match")
