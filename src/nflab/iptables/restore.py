"""``iptables-restore``: the restore file, committed table by table (no I/O).

Mirrors ``ip46tables_restore_main`` (legacy, ``iptables-restore.c``) and
``xtables_restore_parse_line`` (nft, ``xtables-restore.c``) of 1.8.9. Each
``*table`` ... ``COMMIT`` section builds one working copy of its table; rule
lines go through the ``iptables`` parser and :class:`~.commands.Executor`,
editing that copy in place (no copy per line); ``COMMIT`` replaces the table
in one step. A failing section leaves the tables committed before it.

Where the two backends check things differs, and so do their messages:

* legacy (libiptc) edits its handle line by line: a missing chain or a bad
  ``-D`` fails at its line (``line N failed``); the kernel checks the whole
  table at ``COMMIT`` (extensions against their hooks, loops a hook reaches),
  and a refusal there is ``line <COMMIT> failed``;
* nft queues commands and runs them at ``COMMIT`` (``nft_prepare``): table
  errors print ``line N failed: MESSAGE.`` with the command's line, a jump to
  a missing chain is a parameter problem at the ``COMMIT`` line, and every
  rule the kernel refuses is listed (``line N: RULE_APPEND failed (...)``).
  Running the commands at once and holding their errors until ``COMMIT`` is
  equivalent, and keeps no queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..netfilter.jumps import JumpGraph
from ..netfilter.tables import BUILTIN_CHAINS, Chain, Ruleset, Table
from .commands import Executor, NftBatchError
from .errors import (
    ExitStatus,
    KernelRejected,
    OtherProblem,
    ParameterProblem,
    TableError,
    XtablesError,
)
from .flavour import Flavour
from .names import Names
from .nft_native import nft_readback
from .parse import Cmd, Command, assert_valid_chain_name, parse_command
from .rule import STANDARD_VERDICTS, Counters, Jump, Rule

FGETS_SIZE = 10240  # the line buffer of both programs
MAX_ARGC = 255  # ``struct argv_store``
PARAM_SIZE = 1024  # ``struct xt_param_buf``
CHAIN_MAXNAMELEN = 29  # XT_EXTENSION_MAXNAMELEN
TABLE_MAXNAMELEN = 32  # XT_TABLE_MAXNAMELEN
NFT_ERRMSG_SIZE = 1024  # ``nft_action``: the buffer the batch errors are written into
_DELIMS = " \t\n"
_DMESG_HINT = " Run `dmesg' for more information."
_RULE_COMMANDS = (Cmd.APPEND, Cmd.INSERT, Cmd.REPLACE, Cmd.DELETE, Cmd.CHECK)


@dataclass(frozen=True, slots=True)
class RestoreOptions:
    counters: bool = False  # -c
    noflush: bool = False  # -n
    test: bool = False  # -t
    verbose: int = 0  # -v
    table: str | None = None  # -T


class RestoreFailed(Exception):
    """Printed ``PROG: MESSAGE`` with exit status 1 (``line N failed``, ``COMMIT expected``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        self.status = ExitStatus.OTHER_PROBLEM


class _RuleRefused(Exception):
    """nft: the kernel refused this rule; the error is listed at ``COMMIT``."""


# -- the line format ---------------------------------------------------------------


def input_lines(text: str) -> list[str]:
    """What successive ``fgets(buffer, 10240)`` calls return (newlines kept)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    limit = FGETS_SIZE - 1
    if any(len(line) > limit for line in out):
        out = [line[i : i + limit] for line in out for i in range(0, len(line), limit)]
    return out


def _words(text: str) -> list[str]:
    """The tokens successive ``strtok(..., " \\t\\n")`` calls return."""
    return [w for w in re.split(r"[ \t\n]+", text) if w]


def split_params(text: str) -> list[str]:
    """``add_param_to_argv``: words split on blanks, ``"..."`` quoting with ``\\`` escapes."""
    if '"' not in text:
        words = text.replace("\t", " ").replace("\n", " ").split(" ")
        params = [w for w in words if w]
        for w in params:
            if len(w) >= PARAM_SIZE:
                raise ParameterProblem("Parameter too long!")
        return params
    params = []
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
                params.append("".join(buf))  # a closing quote always ends a word, even ""
                buf = []
            else:
                buf.append(ch)
        elif ch == '"':
            quote_open = True
        elif ch in _DELIMS:
            if buf:
                params.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
        if len(buf) >= PARAM_SIZE:
            raise ParameterProblem("Parameter too long!")
    if buf:
        params.append("".join(buf))
    return params


def _strtok(buf: list[str], pos: int, delims: str) -> tuple[str | None, int]:
    """``strtok`` on a mutable buffer: the token at ``pos`` and where the next call starts."""
    n = len(buf)
    while pos < n and buf[pos] in delims:
        pos += 1
    if pos >= n or buf[pos] == "\0":
        return None, pos
    end = pos
    while end < n and buf[end] not in delims and buf[end] != "\0":
        end += 1
    token = "".join(buf[pos:end])
    if end < n:
        buf[end] = "\0"
        end += 1
    return token, end


def rule_counters(text: str, line: int) -> tuple[str | None, str | None, str]:
    """``tokenize_rule_counters``: ``[PKTS:BYTES] rest`` split, as strtok leaves it."""
    if not text.startswith("["):
        return None, None, text
    ptr = text.find("]")
    if ptr < 0:
        raise ParameterProblem(f"Bad line {line}: need ]")
    buf = list(text)
    pcnt, pos = _strtok(buf, 1, ":")
    if pcnt is None:
        raise ParameterProblem(f"Bad line {line}: need :")
    bcnt, _ = _strtok(buf, pos, "]")
    if bcnt is None:
        raise ParameterProblem(f"Bad line {line}: need ]")
    rest = "".join(buf[ptr + 1 :]).split("\0", 1)[0]
    return pcnt, bcnt, rest


_COUNTERS = re.compile(r"\[\s*([+-]?\d+):\s*([+-]?\d+)")


def parse_counters(text: str | None) -> Counters | None:
    """``parse_counters``: ``sscanf("[%llu:%llu]")`` read two numbers."""
    found = _COUNTERS.match(text or "")
    if found is None:
        return None
    return Counters(*(_llu(v) for v in found.groups()))


def _llu(text: str) -> int:
    value = int(text)
    if value > 2**64 - 1:
        return 2**64 - 1
    return value % 2**64


def nft_batch_message(errors: list[str]) -> str:
    """``nft_action``: each refusal ``snprintf``-ed after the previous one into 1024 bytes.

    A text that does not fit is written truncated where the next one would go,
    and a later one that fits overwrites it.
    """
    head = ""
    tail = ""
    room = NFT_ERRMSG_SIZE
    for text in errors:
        if room == 0:
            break
        if len(text) <= room:
            head += text[: room - 1]
            room -= len(text)
            tail = ""
        else:
            tail = text[: room - 1]
    return head + tail


# -- one table section ---------------------------------------------------------------


class _Workspace(Ruleset):
    """The one table a section builds, as the Executor sees a ruleset: edited in place."""

    def __init__(self, table: Table, flavour: str):
        super().__init__(flavour, {table.name: table}, [table.name])

    def view(self, name: str) -> Table:
        return self.tables[name]

    def replace(self, table: Table) -> None:
        """Nothing to do: the working copy was edited in place."""

    def instantiate(self, name: str) -> None:
        """The table was instantiated when its section began."""


class SectionExecutor(Executor):
    """The Executor of one section: commands edit the working table in place.

    What the kernel checks is left to the backend's moment: nft checks each
    rule as the batch adds it (the refusals are collected), legacy checks the
    whole table at ``COMMIT`` (:meth:`check_table`).
    """

    def __init__(self, table: Table, flavour: Flavour, names: Names):
        super().__init__(_Workspace(table, flavour.name), flavour, names)
        self.table = table
        self.graph = JumpGraph(table)
        self.line = 0
        self.refused: list[str] = []

    def _edit(self, name: str) -> Table:
        self._check_table_name(name)
        return self.table

    def _kernel_rules(self, rules: list[Rule]) -> list[Rule]:
        """Read back already, as the restore built them at their line."""
        return rules

    def _table_for_read(self, name: str) -> Table:
        self._check_table_name(name)
        return self.table

    def execute(self, cmd: Command, line: int) -> list[str]:
        self.line = line
        try:
            return self.run(cmd).stdout
        finally:
            if cmd.command not in (Cmd.APPEND, Cmd.INSERT, Cmd.CHECK, Cmd.LIST, Cmd.LIST_RULES):
                self.graph.invalidate()

    def _validate(self, table: Table, chain: str, rule: Rule, op: str) -> None:
        target = rule.target
        if not self.flavour.is_nft:
            # libiptc at the line: the target must be a chain, and not a built-in one
            if isinstance(target, Jump):
                dest = table.chains.get(target.chain)
                if dest is None or dest.builtin:
                    self._check_jump(table, chain, target, op)
            return
        try:
            self._validate_nft(table, chain, rule, op)
        except NftBatchError as err:
            self.refused.append(f"\nline {self.line}: {err.message.lstrip()}")
            raise _RuleRefused() from None
        if isinstance(target, Jump):
            self.graph.add(chain, target.chain)

    def _validate_nft(self, table: Table, chain: str, rule: Rule, op: str) -> None:
        """nf_tables adding one rule: jump target, loops a hook reaches, extension checks."""
        graph = self.graph
        target = rule.target
        if isinstance(target, Jump):
            dest = table.chains.get(target.chain)
            if dest is None or dest.builtin:
                self._check_jump(table, chain, target, op)
            if graph.loop_if_added(chain, target.chain):
                raise NftBatchError(op, "Too many links", f"rule in chain {chain}")
        hooks = graph.hooks_reaching(chain)
        self._check_extensions(table, chain, rule, op, hooks)
        if isinstance(target, Jump) and hooks:
            # the callee is now reached from more hooks (nft_chain_validate)
            for callee in graph.closure(target.chain):
                for r in table.chains[callee].rules:
                    self._check_extensions(table, callee, r, op, hooks, reported_chain=chain)

    def check_table(self) -> bool:
        """x_tables ``translate_table``: no loop a hook reaches, every rule's checkentry."""
        graph = JumpGraph(self.table)
        if graph.loop_from_hooks():
            return False
        hooks = graph.hooks_by_chain()
        try:
            for chain in self.table.chains.values():
                for rule in chain.rules:
                    self._check_extensions(self.table, chain.name, rule, "", hooks[chain.name])
        except (TableError, XtablesError):
            return False
        return True


@dataclass
class _Section:
    name: str
    executor: SectionExecutor
    touched: bool = False  # nft: a section that touches nothing creates no table
    held: Exception | None = None  # nft: the first error ``nft_prepare`` will meet
    output: list[str] | None = None  # nft: what the queued commands print at COMMIT

    @property
    def table(self) -> Table:
        return self.executor.table


# -- the restore ------------------------------------------------------------------------


class Restore:
    """One run of iptables-restore over a ruleset: feed it the input lines.

    ``program`` is the name the messages use (``iptables-restore`` for
    legacy, the invoked name for nft). Text for stdout accumulates in
    :attr:`output` and warnings for stderr in :attr:`warnings`; errors are
    raised (:class:`RestoreFailed`, or the parser's exceptions, which the
    program prints with ``Error occurred at line:`` :attr:`line`).
    """

    def __init__(
        self,
        ruleset: Ruleset,
        flavour: Flavour,
        program: str,
        names: Names,
        options: RestoreOptions,
    ):
        self.ruleset = ruleset
        self.flavour = flavour
        self.program = program
        self.names = names
        self.options = options
        self.line = 0
        self.output: list[str] = []
        self.warnings: list[str] = []
        self._section: _Section | None = None
        self._curtable = ""

    # -- lines ----------------------------------------------------------------

    def feed(self, buffer: str) -> None:
        """One line as ``fgets`` returned it."""
        self.line += 1
        if buffer.startswith("\n"):
            return
        if buffer.startswith("#"):
            if self.options.verbose:
                self.output.append(buffer)
            return
        ok = self._dispatch(buffer)
        wanted = self.options.table
        skipped = wanted is not None and wanted != self._curtable
        if skipped and (self._curtable or not self.flavour.is_nft):
            return  # a section -T skips: its lines are not even looked at
        if not ok:
            raise RestoreFailed(f"line {self.line} failed")

    def finish(self) -> None:
        """End of input: a section left open was never committed."""
        if self._section is not None:
            raise RestoreFailed(f"COMMIT expected at line {self.line + 1}")

    def _dispatch(self, buffer: str) -> bool:
        in_table = self._section is not None
        if in_table and self._is_commit(buffer):
            self._commit()
        elif buffer.startswith("*") and not in_table:
            self._begin(buffer)
        elif buffer.startswith(":") and in_table:
            self._chain_line(buffer)
        elif in_table:
            self._rule_line(buffer)
        else:
            return False
        return True

    def _is_commit(self, buffer: str) -> bool:
        if self.flavour.is_nft:
            return buffer.startswith("COMMIT") and buffer[6:] in ("", "\n")
        return buffer == "COMMIT\n"

    # -- *table ---------------------------------------------------------------------

    def _begin(self, buffer: str) -> None:
        words = _words(buffer[1:])
        if not words:
            raise ParameterProblem(f"{self.program}: line {self.line} table name invalid")
        name = words[0]
        wanted = self.options.table
        if self.flavour.is_nft:
            if name not in BUILTIN_CHAINS:
                raise ParameterProblem(f"{self.program}: line {self.line} table name '{name}' invalid")
            self._curtable = name
            if wanted is not None and wanted != name:
                return
        else:
            self._curtable = name[:TABLE_MAXNAMELEN]
            if wanted is not None and wanted != name:
                return
            if name not in BUILTIN_CHAINS:
                raise ParameterProblem(f"{self.program}: unable to initialize table '{name}'")
            self.ruleset.instantiate(name)  # iptc_init loads the table's module
        table, messages = self._working_table(name)
        section = _Section(name, SectionExecutor(table, self.flavour, self.names))
        if self.flavour.is_nft:
            section.output = messages
        else:
            self.output.extend(messages)
        self._section = section

    def _working_table(self, name: str) -> tuple[Table, list[str]]:
        """The table a section starts from, and what ``-v`` says about flushing it."""
        committed = self.ruleset.get(name)
        if self.options.noflush:
            return (committed.clone() if committed else Table.fresh(name)), []
        if self.flavour.is_nft and not self.options.verbose:
            return Table.fresh(name), []  # the whole table is deleted and made anew
        # flush every chain, delete the user chains: policies and their counters stay
        old = committed or Table.fresh(name)
        table = Table(name)
        for chain in old.builtin_chains():
            table.chains[chain.name] = Chain(chain.name, chain.policy, [], [], chain.policy_counters)
        messages: list[str] = []
        if self.options.verbose and (committed is not None or not self.flavour.is_nft):
            chains = old.ordered_chains()
            messages += [f"Flushing chain `{c.name}'\n" for c in chains]
            messages += [f"Deleting chain `{c.name}'\n" for c in chains if not c.builtin]
        return table, messages

    # -- :CHAIN POLICY [PKTS:BYTES] -----------------------------------------------------

    def _chain_line(self, buffer: str) -> None:
        section = self._section
        assert section is not None
        words = _words(buffer[1:])
        if not words:
            raise ParameterProblem(f"{self.program}: line {self.line} chain name invalid")
        chain = words[0]
        if self.flavour.is_nft:
            assert_valid_chain_name(chain)
        elif len(chain.encode()) >= CHAIN_MAXNAMELEN:
            raise ParameterProblem(f"Invalid chain name `{chain}' ({CHAIN_MAXNAMELEN - 1} chars max)")
        builtin = chain in BUILTIN_CHAINS[section.name]
        if not self.flavour.is_nft and not builtin:
            self._legacy_user_chain(section, chain)
        if len(words) < 2:
            raise ParameterProblem(f"{self.program}: line {self.line} policy invalid")
        policy = words[1]
        if self.flavour.is_nft:
            count = self._policy_counters(words, chain) if builtin else Counters()
            section.touched = True
            if builtin:
                self._nft_run(section, lambda: _set_policy(section.table, chain, policy, count))
            else:
                self._nft_run(section, lambda: _restore_chain(section.executor, chain))
            return
        if policy == "-":
            return
        count = self._policy_counters(words, chain)
        problem = None
        if not builtin:
            problem = "Bad built-in chain name"
        elif policy not in ("ACCEPT", "DROP"):
            problem = "Bad policy name"
        if problem is not None:
            raise OtherProblem(f"Can't set policy `{policy}' on `{chain}' line {self.line}: {problem}")
        _set_policy(section.table, chain, policy, count)

    def _legacy_user_chain(self, section: _Section, chain: str) -> None:
        table = section.table
        if self.options.noflush and chain in table.chains:
            _restore_chain(section.executor, chain)
        elif chain in table.chains or chain in STANDARD_VERDICTS:
            raise ParameterProblem(f"error creating chain '{chain}':File exists")
        else:
            table.add_chain(chain)

    def _policy_counters(self, words: list[str], chain: str) -> Counters:
        if not self.options.counters:
            return Counters()
        count = parse_counters(words[2] if len(words) > 2 else None)
        if count is None:
            raise ParameterProblem(f"invalid policy counters for chain '{chain}'")
        return count

    # -- rule lines -------------------------------------------------------------------

    def _rule_line(self, buffer: str) -> None:
        section = self._section
        assert section is not None
        pcnt, bcnt, rest = rule_counters(buffer, self.line)
        argv = [self.program, "-t", self._curtable]
        if not self.options.noflush:
            argv += ["-v"] * self.options.verbose
        if self.options.counters and pcnt is not None and bcnt is not None:
            argv += ["--set-counters", pcnt, bcnt]
        argv += split_params(rest)
        if len(argv) >= MAX_ARGC:
            raise ParameterProblem("Parser cannot handle more arguments")
        cmd = parse_command(argv, self.names, restore=True, line=self.line, warnings=self.warnings)
        executor = section.executor
        if not self.flavour.is_nft:
            try:
                self.output.extend(line + "\n" for line in executor.execute(cmd, self.line))
            except TableError:
                raise RestoreFailed(f"line {self.line} failed") from None
            return
        if cmd.command in _RULE_COMMANDS:
            # iptables-nft builds the kernel rule as it reads the line (``nft_cmd_new``):
            # "TCP match requires '-p tcp'" stops the restore right here
            cmd.rules = [nft_readback(rule) for rule in cmd.rules]
        section.touched = True
        line = self.line
        self._nft_run(section, lambda: executor.execute(cmd, line))

    def _nft_run(self, section: _Section, action: object) -> None:
        """Run a command now, as ``nft_prepare`` will at ``COMMIT``: hold its error till then."""
        if section.held is not None:
            return  # nft_prepare stops at the first failing command
        assert callable(action)
        line = self.line
        try:
            printed = action()
        except _RuleRefused:
            return
        except NftBatchError as err:
            section.executor.refused.append(f"\nline {line}: {err.message.lstrip()}")
            return
        except TableError as err:
            # nft_strerror() after ``: ``; iptables-nft adds the dmesg hint only itself
            message = err.message.removesuffix(_DMESG_HINT)
            section.held = RestoreFailed(f"line {line} failed: {message}")
            return
        except XtablesError as err:
            section.held = err
            return
        if printed and section.output is not None:
            section.output.extend(text + "\n" for text in printed)

    # -- COMMIT -------------------------------------------------------------------------

    def _commit(self) -> None:
        section = self._section
        assert section is not None
        self._section = None
        if self.options.test:
            return  # legacy never commits; nft aborts its batch unprepared
        if not self.flavour.is_nft:
            if not section.executor.check_table():
                raise RestoreFailed(f"line {self.line} failed")
            self.ruleset.replace(section.table)
            return
        if section.held is not None:
            raise section.held
        self.output.extend(section.output or [])
        refused = section.executor.refused
        if refused:
            raise XtablesError(nft_batch_message(refused), ExitStatus.RESOURCE_PROBLEM)
        if section.touched or (self.options.verbose and section.name in self.ruleset.tables):
            self.ruleset.replace(section.table)
        elif not self.options.noflush and not self.options.verbose:
            self.ruleset.tables.pop(section.name, None)  # deleted, and nothing made anew


def _set_policy(table: Table, chain: str, policy: str, count: Counters) -> None:
    """``iptc_set_policy`` / ``nft_chain_set``: ``-`` keeps the policy, counters are set."""
    if policy not in ("ACCEPT", "DROP", "-"):
        raise TableError("Bad policy name.")
    w = table.writable(chain)
    if policy != "-":
        w.policy = policy
    w.policy_counters = count


def _restore_chain(executor: SectionExecutor, chain: str) -> None:
    """``nft_chain_restore``: create the user chain, or flush it when it exists."""
    table = executor.table
    if chain not in table.chains:
        table.add_chain(chain)
        return
    w = table.writable(chain)
    w.rules = []
    w.counters = []
    executor.graph.invalidate()


__all__ = [
    "Restore",
    "RestoreFailed",
    "RestoreOptions",
    "SectionExecutor",
    "input_lines",
    "nft_batch_message",
    "parse_counters",
    "rule_counters",
    "split_params",
    "KernelRejected",
]
