"""A Python SDK for the real iptables of a network namespace (issue "Kernel mode", item 4).

Reads the tables with the real ``iptables-save`` into nflab's rule model, edits
them in Python with nflab's own parser and executor, renders them with nflab's
save code and applies them with the real ``iptables-restore``::

    rs = read_ruleset("lab1")                      # ip netns exec lab1 iptables-save
    rs.new_chain("filter", "LOGDROP")
    rs.append("filter", "LOGDROP", "-j DROP")
    rs.append("filter", "INPUT", "-p tcp --dport 23 -j LOGDROP")
    rs.set_policy("filter", "FORWARD", "DROP")
    safe_apply(rs, netns="lab1", confirm_within=10, confirm=ask_user)

Every command runs under ``ip netns exec NAME``; the host's own rules are only
read or changed when a caller passes ``host=True`` explicitly. The backend
(``nft`` or ``legacy``) is what ``iptables -V`` reports unless one is forced.

Each :class:`KernelRuleset` parses with its own :class:`~nflab.iptables.names.Names`:
nflab's parse templates are cached per Names object across restores, and a
restore-section shape learnt from a template of another line keeps that line's
``-j`` word (``LineShape.jump_word``) while its prototype rule jumps elsewhere, so
a later line with that word got the wrong target. A fresh Names keeps every
parse's templates its own.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..iptables.commands import Executor
from ..iptables.errors import TableError, XtablesError
from ..iptables.flavour import LEGACY, NFT, Flavour
from ..iptables.names import DEFAULT_NAMES, Names
from ..iptables.parse import parse_command
from ..iptables.restore import Restore, RestoreFailed, RestoreOptions
from ..iptables.rule import Counters, Rule
from ..iptables.save import save_table
from ..netfilter.tables import BUILTIN_CHAINS, Chain, Ruleset, Table

_PROGRAMS = {"nft": "iptables-nft", "legacy": "iptables-legacy"}


class SdkError(Exception):
    """A real iptables program failed (or nflab refused an edit): ``message`` says why."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Where:
    """Which namespace the programs run in: ``netns`` by name, or the host if ``host``."""

    netns: str | None = None
    host: bool = False

    def argv(self, argv: Sequence[str]) -> list[str]:
        if self.netns is not None:
            if self.host:
                raise ValueError("give either netns or host=True, not both")
            return ["ip", "netns", "exec", self.netns, *argv]
        if not self.host:
            raise ValueError("no network namespace given (pass host=True for the host's rules)")
        return list(argv)


def _run(where: Where, argv: Sequence[str], stdin: str | None = None) -> tuple[int, str, str]:
    proc = subprocess.run(
        where.argv(argv), input=stdin, capture_output=True, text=True, check=False, timeout=120
    )
    return proc.returncode, proc.stdout, proc.stderr


def detect_backend(netns: str | None = None, *, host: bool = False) -> str:
    """``nft`` or ``legacy``: what the default ``iptables`` says in ``iptables -V``."""
    status, out, err = _run(Where(netns, host), ["iptables", "-V"])
    if status != 0:
        raise SdkError(err.strip() or out.strip(), status)
    if "(nf_tables)" in out:
        return "nft"
    if "(legacy)" in out:
        return "legacy"
    raise SdkError(f"cannot tell the iptables backend from: {out.strip()!r}")


def _flavour(backend: str | None, where: Where) -> Flavour:
    name = backend or detect_backend(where.netns, host=where.host)
    if name not in _PROGRAMS:
        raise ValueError(f"unknown backend {name!r} (nft or legacy)")
    return NFT if name == "nft" else LEGACY


# -- the model --------------------------------------------------------------------------


@dataclass
class KernelRuleset:
    """The tables of one backend as nflab models them, with editing helpers.

    ``table_order`` keeps the tables in the order ``iptables-save`` printed
    them (new tables are added at the end), so :meth:`save_text` reproduces
    the real program's output.
    """

    flavour: Flavour
    ruleset: Ruleset
    table_order: list[str] = field(default_factory=list)
    # its own resolver: nflab's parse templates are cached per Names object, and one
    # learnt by another parse can give a rule the wrong jump (see the module notes)
    names: Names = field(default_factory=Names)

    @classmethod
    def empty(cls, backend: str = "nft") -> KernelRuleset:
        flavour = NFT if backend == "nft" else LEGACY
        return cls(flavour, Ruleset(flavour=flavour.name))

    @classmethod
    def from_save_text(cls, text: str, backend: str) -> KernelRuleset:
        """Parse ``iptables-save`` (or restore) text with nflab's restore parser."""
        model = cls.empty(backend)
        restore = Restore(
            model.ruleset,
            model.flavour,
            "iptables-restore",
            model.names,
            RestoreOptions(counters=True),
        )
        try:
            for line in text.splitlines(keepends=True):
                restore.feed(line if line.endswith("\n") else line + "\n")
                if line.startswith("*"):
                    model._note(line[1:].split()[0])
            restore.finish()
        except RestoreFailed as err:
            raise SdkError(f"nflab cannot parse the rules: {err.message}") from None
        except XtablesError as err:
            raise SdkError(f"nflab cannot parse line {restore.line}: {err}") from None
        return model

    def _note(self, table: str) -> None:
        if table not in self.table_order:
            self.table_order.append(table)

    def table(self, name: str) -> Table:
        """The table ``name`` (a fresh one, with ACCEPT policies, if absent)."""
        if name not in BUILTIN_CHAINS:
            raise SdkError(f"no such table: {name}")
        found = self.ruleset.get(name)
        if found is None:
            found = Table.fresh(name)
            self.ruleset.replace(found)
        self._note(name)
        return found

    # -- edits ------------------------------------------------------------------------

    def command(self, table: str, args: str | Sequence[str]) -> None:
        """Run one ``iptables -t TABLE ARGS`` command against the model (nflab's checks)."""
        words = shlex.split(args) if isinstance(args, str) else list(args)
        self.table(table)
        try:
            cmd = parse_command(["iptables", "-t", table, *words], self.names)
            Executor(self.ruleset, self.flavour, self.names).run(cmd)
        except (XtablesError, TableError) as err:
            raise SdkError(getattr(err, "message", str(err))) from None

    def append(self, table: str, chain: str, rule: str | Rule) -> None:
        """``-A CHAIN RULE``: ``rule`` as iptables arguments or a :class:`Rule` value."""
        if isinstance(rule, Rule):
            self._chain(table, chain).append(rule, Counters())
        else:
            self.command(table, ["-A", chain, *shlex.split(rule)])

    def insert(self, table: str, chain: str, rule: str | Rule, index: int = 1) -> None:
        """``-I CHAIN INDEX RULE`` (1-based, like iptables)."""
        if isinstance(rule, Rule):
            self._chain(table, chain).insert(index - 1, rule, Counters())
        else:
            self.command(table, ["-I", chain, str(index), *shlex.split(rule)])

    def delete(self, table: str, chain: str, rule: str | Rule | int) -> None:
        """``-D CHAIN RULE`` or ``-D CHAIN INDEX`` (1-based)."""
        if isinstance(rule, int):
            self.command(table, ["-D", chain, str(rule)])
        elif isinstance(rule, Rule):
            target = self._chain(table, chain)
            if rule not in target.rules:
                raise SdkError("Bad rule (does a matching rule exist in that chain?)")
            target.delete(target.rules.index(rule))
        else:
            self.command(table, ["-D", chain, *shlex.split(rule)])

    def new_chain(self, table: str, chain: str) -> None:
        self.command(table, ["-N", chain])

    def set_policy(self, table: str, chain: str, policy: str) -> None:
        self.command(table, ["-P", chain, policy])

    def rules(self, table: str, chain: str) -> list[Rule]:
        return list(self._chain(table, chain).rules)

    def _chain(self, table: str, chain: str) -> Chain:
        t = self.table(table)
        if chain not in t.chains:
            raise SdkError(f"No chain/target/match by that name: {chain}")
        writable = t.writable(chain)
        self.ruleset.generation += 1
        return writable

    # -- rendering -------------------------------------------------------------------

    def save_text(
        self, counters: bool = False, when: str | None = None, for_restore: bool = False
    ) -> str:
        """The restore text of every table, as nflab's ``iptables-save`` prints it.

        ``for_restore``: legacy tables in reverse order. iptables-legacy-save lists the
        tables newest first (``/proc/net/ip_tables_names``), so a restore creating them
        in reverse makes a fresh namespace list them in this model's order.
        """
        stamp = when or time.strftime("%a %b %e %H:%M:%S %Y")
        lines: list[str] = []
        order = self.table_order
        if for_restore and not self.flavour.is_nft:
            order = order[::-1]
        for name in order:
            table = self.ruleset.get(name)
            if table is not None:
                lines += save_table(table, self.flavour, self.names, stamp, counters)
        return "".join(line + "\n" for line in lines)


# -- reading and applying -----------------------------------------------------------


def _tool(flavour: Flavour, suffix: str) -> str:
    return f"{_PROGRAMS[flavour.name]}-{suffix}"


def read_save_text(
    netns: str | None = None,
    *,
    host: bool = False,
    backend: str | None = None,
    counters: bool = False,
) -> str:
    """The real ``iptables-save`` output (with ``-c`` if ``counters``)."""
    where = Where(netns, host)
    flavour = _flavour(backend, where)
    status, out, err = _run(where, [_tool(flavour, "save"), *(["-c"] if counters else [])])
    if status != 0:
        raise SdkError(err.strip(), status)
    return out


def read_ruleset(
    netns: str | None = None, *, host: bool = False, backend: str | None = None
) -> KernelRuleset:
    """The namespace's tables (its ``iptables-save -c``) in nflab's rule model."""
    flavour = _flavour(backend, Where(netns, host))
    text = read_save_text(netns, host=host, backend=flavour.name, counters=True)
    return KernelRuleset.from_save_text(text, flavour.name)


def _restore(where: Where, flavour: Flavour, text: str) -> None:
    status, out, err = _run(where, [_tool(flavour, "restore"), "-c"], stdin=text)
    if status != 0:
        raise SdkError((err or out).strip(), status)


def apply(ruleset: KernelRuleset, netns: str | None = None, *, host: bool = False) -> None:
    """Replace the model's tables (whole tables) with the real ``iptables-restore``.

    Tables the model does not hold are left alone; legacy commits them in reverse
    order (see :meth:`KernelRuleset.save_text`). Raises :class:`SdkError`
    with the program's message when it fails.
    """
    _restore(
        Where(netns, host), ruleset.flavour, ruleset.save_text(counters=True, for_restore=True)
    )


@dataclass(frozen=True, slots=True)
class SafeApplyResult:
    confirmed: bool
    rolled_back: bool


def _reset_text(flavour: Flavour, tables: list[str]) -> str:
    """The text that removes tables the old rules did not have (nft) or empties them."""
    lines: list[str] = []
    for name in tables:
        if flavour.is_nft:
            lines += [f"*{name}", "COMMIT"]  # iptables-nft-restore deletes it, makes none
        else:
            lines += save_table(Table.fresh(name), flavour, DEFAULT_NAMES, "-", False)
    return "".join(line + "\n" for line in lines)


def _confirmed(confirm: Callable[[], bool], within: float) -> bool:
    answer: list[bool] = []
    worker = threading.Thread(target=lambda: answer.append(bool(confirm())), daemon=True)
    worker.start()
    worker.join(within)
    return bool(answer and answer[0])


def safe_apply(
    ruleset: KernelRuleset,
    netns: str | None = None,
    *,
    host: bool = False,
    confirm_within: float = 10.0,
    confirm: Callable[[], bool] = lambda: False,
) -> SafeApplyResult:
    """Apply like ``iptables-apply``: keep the new rules only if ``confirm()`` says yes in time.

    The current rules are saved first. If the restore fails they are put back
    and :class:`SdkError` says why; if ``confirm`` does not return true within
    ``confirm_within`` seconds, they are put back and the result says so.
    """
    where = Where(netns, host)
    flavour = ruleset.flavour
    old = read_save_text(netns, host=host, backend=flavour.name, counters=True)
    old_tables = [line[1:].split()[0] for line in old.splitlines() if line.startswith("*")]
    added = [t for t in ruleset.table_order if t not in old_tables]

    def rollback() -> None:
        _restore(where, flavour, old + _reset_text(flavour, added))

    try:
        apply(ruleset, netns, host=host)
    except SdkError as err:
        rollback()  # a failing section leaves the sections committed before it
        raise SdkError(f"{err.message} (previous rules kept)", err.status) from None
    if _confirmed(confirm, confirm_within):
        return SafeApplyResult(confirmed=True, rolled_back=False)
    rollback()
    return SafeApplyResult(confirmed=False, rolled_back=True)


__all__ = [
    "KernelRuleset",
    "SafeApplyResult",
    "SdkError",
    "apply",
    "detect_backend",
    "read_ruleset",
    "read_save_text",
    "safe_apply",
]
