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

from dataclasses import dataclass

from ..netfilter.tables import BUILTIN_CHAINS, Chain, Ruleset, Table
from .commands import NftBatchError
from .errors import ExitStatus, OtherProblem, ParameterProblem, TableError, XtablesError
from .flavour import Flavour
from .names import Names
from .nft_native import nft_readback
from .parse import Cmd, assert_valid_chain_name, parse_command
from .restore_format import nft_batch_message, parse_counters, rule_counters, split_params
from .restore_format import words as strtok_words
from .restore_section import RuleRefused, SectionExecutor, restore_chain, set_policy
from .restore_shapes import RuleShapes
from .rule import STANDARD_VERDICTS, Counters

MAX_ARGC = 255  # ``struct argv_store``
CHAIN_MAXNAMELEN = 29  # XT_EXTENSION_MAXNAMELEN
TABLE_MAXNAMELEN = 32  # XT_TABLE_MAXNAMELEN
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


@dataclass
class _Section:
    name: str
    executor: SectionExecutor
    shapes: RuleShapes  # the shapes of its rule lines seen so far
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
        first = buffer[:1]
        if first == "\n":
            return
        if first == "#":
            if self.options.verbose:
                self.output.append(buffer)
            return
        section = self._section
        if section is not None and first != ":" and first != "C":
            self._rule_line(section, buffer)  # the usual line (what _dispatch would do)
            return
        if self._dispatch(buffer):
            return
        wanted = self.options.table
        skipped = wanted is not None and wanted != self._curtable
        if skipped and (self._curtable or not self.flavour.is_nft):
            return  # a section -T skips: its lines are not even looked at
        raise RestoreFailed(f"line {self.line} failed")

    def finish(self) -> None:
        """End of input: a section left open was never committed."""
        if self._section is not None:
            raise RestoreFailed(f"COMMIT expected at line {self.line + 1}")

    def _dispatch(self, buffer: str) -> bool:
        first = buffer[0]
        if self._section is None:
            if first != "*":
                return False
            self._begin(buffer)
        elif first == "C" and self._is_commit(buffer):
            self._commit()
        elif first == ":":
            self._chain_line(buffer)
        else:
            self._rule_line(self._section, buffer)  # even "*table": no table in a table
        return True

    def _is_commit(self, buffer: str) -> bool:
        if self.flavour.is_nft:
            return buffer.startswith("COMMIT") and buffer[6:] in ("", "\n")
        return buffer == "COMMIT\n"

    # -- *table ---------------------------------------------------------------------

    def _begin(self, buffer: str) -> None:
        words = strtok_words(buffer[1:])
        if not words:
            raise ParameterProblem(f"{self.program}: line {self.line} table name invalid")
        name = words[0]
        wanted = self.options.table
        if self.flavour.is_nft:
            if name not in BUILTIN_CHAINS:
                raise ParameterProblem(
                    f"{self.program}: line {self.line} table name '{name}' invalid"
                )
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
        executor = SectionExecutor(table, self.flavour, self.names)
        section = _Section(name, executor, RuleShapes(executor, self.names))
        if self.flavour.is_nft:
            section.output = messages
        else:
            self.output.extend(messages)
        self._section = section

    def _working_table(self, name: str) -> tuple[Table, list[str]]:
        """The table a section starts from, and what ``-v`` says about flushing it."""
        committed = self.ruleset.get(name)
        if self.options.noflush:
            return (committed.clone() if committed else self._fresh(name)), []
        if self.flavour.is_nft and not self.options.verbose:
            return self._fresh(name), []  # the whole table is deleted and made anew
        # flush every chain, delete the user chains: policies and their counters stay
        old = committed or Table.fresh(name)
        table = Table(name, last_handle=old.last_handle, serial=old.serial)
        for chain in old.builtin_chains():
            table.chains[chain.name] = Chain(
                chain.name, chain.policy, [], [], chain.policy_counters, handle=chain.handle
            )
        messages: list[str] = []
        if self.options.verbose and (committed is not None or not self.flavour.is_nft):
            chains = old.ordered_chains()
            messages += [f"Flushing chain `{c.name}'\n" for c in chains]
            messages += [f"Deleting chain `{c.name}'\n" for c in chains if not c.builtin]
        return table, messages

    def _fresh(self, name: str) -> Table:
        """A new table; iptables-nft-restore registers only the base chains its input
        names (a ``:CHAIN`` line) or adds rules to."""
        return Table.fresh(name, registered=not self.flavour.is_nft)

    # -- :CHAIN POLICY [PKTS:BYTES] -----------------------------------------------------

    def _chain_line(self, buffer: str) -> None:
        section = self._section
        assert section is not None
        words = strtok_words(buffer[1:])
        if not words:
            raise ParameterProblem(f"{self.program}: line {self.line} chain name invalid")
        chain = words[0]
        if self.flavour.is_nft:
            assert_valid_chain_name(chain)
        elif len(chain.encode()) >= CHAIN_MAXNAMELEN:
            raise ParameterProblem(
                f"Invalid chain name `{chain}' ({CHAIN_MAXNAMELEN - 1} chars max)"
            )
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
                self._nft_run(section, lambda: set_policy(section.table, chain, policy, count))
            else:
                self._nft_run(section, lambda: restore_chain(section.executor, chain))
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
            raise OtherProblem(
                f"Can't set policy `{policy}' on `{chain}' line {self.line}: {problem}"
            )
        set_policy(section.table, chain, policy, count)

    def _legacy_user_chain(self, section: _Section, chain: str) -> None:
        table = section.table
        if self.options.noflush and chain in table.chains:
            restore_chain(section.executor, chain)
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

    def _rule_line(self, section: _Section, buffer: str) -> None:
        argv = [self.program, "-t", self._curtable]
        options = self.options
        if options.verbose and not options.noflush:
            argv += ["-v"] * options.verbose
        if buffer[0] == "[":
            pcnt, bcnt, buffer = rule_counters(buffer, self.line)
            if options.counters and pcnt is not None and bcnt is not None:
                argv += ["--set-counters", pcnt, bcnt]
        argv += split_params(buffer)
        if len(argv) >= MAX_ARGC:
            raise ParameterProblem("Parser cannot handle more arguments")
        if section.held is None and section.shapes.append(argv):
            return  # a line of a known shape: its rule built from its values, and appended
        cmd = parse_command(argv, self.names, restore=True, line=self.line, warnings=self.warnings)
        if cmd.command in _RULE_COMMANDS and not cmd.rules:
            return  # an ignored IPv6 line: its rule loops over no address at all
        executor = section.executor
        if not self.flavour.is_nft:
            try:
                self.output.extend(line + "\n" for line in executor.execute(cmd, self.line))
            except TableError:
                raise RestoreFailed(f"line {self.line} failed") from None
        else:
            if cmd.command in _RULE_COMMANDS:
                # iptables-nft builds the kernel rule as it reads the line (``nft_cmd_new``):
                # "TCP match requires '-p tcp'" stops the restore right here
                cmd.rules = [nft_readback(rule) for rule in cmd.rules]
            line = self.line
            self._nft_run(section, lambda: executor.execute(cmd, line))
        section.shapes.learn(argv, cmd)

    def _nft_run(self, section: _Section, action: object) -> None:
        """Run a command now, as ``nft_prepare`` will at ``COMMIT``: hold its error till then."""
        if section.held is not None:
            return  # nft_prepare stops at the first failing command
        assert callable(action)
        line = self.line
        try:
            printed = action()
        except RuleRefused:
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
        created = section.touched or section.executor.creates
        if created or (self.options.verbose and section.name in self.ruleset.tables):
            self.ruleset.replace(section.table)
        elif not self.options.noflush and not self.options.verbose:
            self.ruleset.drop(section.name)  # deleted, and nothing made anew


__all__ = ["Restore", "RestoreFailed", "RestoreOptions", "SectionExecutor"]
