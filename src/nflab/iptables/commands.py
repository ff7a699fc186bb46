"""Carry out a parsed iptables command on a namespace's tables.

Each command edits a copy of its table and commits it only on success
(libiptc's ``TC_COMMIT`` / the nft batch), so an error leaves everything as
it was. Error texts are those of iptables 1.8.9 for each backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..netfilter.jumps import JumpGraph
from ..netfilter.tables import BUILTIN_CHAINS, Chain, Ruleset, Table
from .errors import ExitStatus, KernelRejected, ParameterProblem, TableError, XtablesError
from .extension import RuleContext, find_match, find_target
from .flavour import Flavour
from .names import Names
from .nft_native import check_payloads, is_native, nft_readback
from .output import ListFormat, chain_header, echo_rule, list_rule, save_rule
from .parse import Cmd, Command
from .rule import Counters, Jump, Rule, TargetEntry, Verdict

NO_SUCH = "No chain/target/match by that name."
_RULE_OPS = {Cmd.APPEND: "RULE_APPEND", Cmd.INSERT: "RULE_INSERT", Cmd.REPLACE: "RULE_REPLACE"}
BAD_RULE = "Bad rule (does a matching rule exist in that chain?)."


class NftBatchError(XtablesError):
    """iptables-nft: the kernel refused the batch (``RULE_APPEND failed (...)``), status 4."""

    def __init__(self, op: str, errno_text: str, what: str):
        super().__init__(f" {op} failed ({errno_text}): {what}", ExitStatus.RESOURCE_PROBLEM)


@dataclass
class Outcome:
    stdout: list[str] = field(default_factory=list)


class Executor:
    """One command against one backend's ruleset."""

    def __init__(self, ruleset: Ruleset, flavour: Flavour, names: Names):
        self.ruleset = ruleset
        self.flavour = flavour
        self.names = names
        self.verbose_lines: list[str] | None = None

    def _say(self, text: str) -> None:
        """A ``-v`` progress line (``Flushing chain `X'``)."""
        if self.verbose_lines is not None:
            self.verbose_lines.append(text)

    # -- helpers -----------------------------------------------------------------

    def _table_for_read(self, name: str) -> Table:
        self._check_table_name(name)
        if not self.flavour.is_nft:
            self.ruleset.instantiate(name)
        return self.ruleset.view(name)

    def _check_table_name(self, name: str) -> None:
        if name not in BUILTIN_CHAINS:
            if self.flavour.is_nft:
                msg = f"table '{name}' does not exist"
            else:
                msg = f"can't initialize iptables table `{name}': Table does not exist (do you need to insmod?)"
            raise XtablesError(msg, ExitStatus.VERSION_PROBLEM)

    def _edit(self, name: str) -> Table:
        self._check_table_name(name)
        if not self.flavour.is_nft:
            self.ruleset.instantiate(name)
        return self.ruleset.view(name).clone()

    def _commit(self, table: Table, creates: bool = False) -> None:
        """Replace the table; iptables-nft creates a missing table only for commands
        that add something (``-A -I -N -P``), a flush or zero of nothing creates nothing."""
        if self.flavour.is_nft and table.name not in self.ruleset.tables and not creates:
            return
        self.ruleset.replace(table)

    def _chain(self, table: Table, name: str | None) -> Chain:
        if name is None or name not in table.chains:
            raise TableError(NO_SUCH)
        return table.chains[name]

    def _kernel_error(self, op: str, chain: str, err: KernelRejected) -> XtablesError | TableError:
        from .errors import ERRNO_TEXT

        text = ERRNO_TEXT.get(err.errno, err.errno)
        if self.flavour.is_nft:
            return NftBatchError(op, text, f"rule in chain {chain}")
        return TableError(_legacy_errno_message(err.errno))

    # -- rule validation (the kernel's checkentry) ----------------------------------

    def _validate(self, table: Table, chain: str, rule: Rule, op: str) -> None:
        """Check the jump target, then every extension against the hooks that reach the chain."""
        target = rule.target
        if isinstance(target, Jump):
            self._check_jump(table, chain, target, op)
        self._check_extensions(table, chain, rule, op, table.hooks_reaching(chain))
        if self.flavour.is_nft and target == Verdict("QUEUE"):
            # iptables-nft writes QUEUE as nft's native queue expression, which this
            # kernel lacks (no nft_queue): the batch fails with ENOENT
            raise self._kernel_error(op, chain, KernelRejected("ENOENT"))
        if isinstance(target, Jump):
            # a new jump makes the callee reachable from more hooks: re-check it (nft_chain_validate)
            hooks = table.hooks_reaching(chain)
            for callee_name in _closure(table, target.chain):
                for r in table.chains[callee_name].rules:
                    self._check_extensions(table, callee_name, r, op, hooks, reported_chain=chain)

    def _check_jump(self, table: Table, chain: str, target: Jump, op: str) -> None:
        dest = table.chains.get(target.chain)
        if dest is None:
            if self.flavour.is_nft:
                raise ParameterProblem(f"Chain '{target.chain}' does not exist")
            if target.goto:
                raise ParameterProblem(f"goto '{target.chain}' is not a chain")
            raise ParameterProblem(f"Couldn't load target `{target.chain}':No such file or directory\n")
        if dest.builtin:
            raise self._kernel_error(op, chain, KernelRejected("EOPNOTSUPP" if self.flavour.is_nft else "EINVAL"))
        # both kernels refuse only a loop that a hook reaches (``-A A -j A`` alone is fine)
        if JumpGraph(table).loop_if_added(chain, target.chain):
            if self.flavour.is_nft:
                raise NftBatchError(op, "Too many links", f"rule in chain {chain}")
            raise TableError("Too many levels of symbolic links.")

    def _check_extensions(
        self,
        table: Table,
        chain: str,
        rule: Rule,
        op: str,
        hooks: frozenset[str],
        reported_chain: str | None = None,
    ) -> None:
        context: RuleContext | None = None  # made when a checkentry needs it
        nft = self.flavour.is_nft
        proto, proto_invert = rule.proto, "p" in rule.inv
        try:
            if nft:
                check_payloads(rule)
            for m in rule.matches:
                ext = find_match(m.name)
                if ext is None or (nft and is_native(m, proto)):
                    continue  # native nf_tables expressions: no xt checkentry runs
                if ext.check_ignores_value:
                    ext.rule_check(table.name, hooks, proto, proto_invert)
                else:
                    context = context or self._rule_context(table, chain, rule, hooks)
                    ext.kernel_check(m.value, context)
            if isinstance(rule.target, TargetEntry):
                text = find_target(rule.target.name)
                if text is not None and text.check_ignores_value:
                    text.rule_check(table.name, hooks, proto, proto_invert)
                elif text is not None:
                    context = context or self._rule_context(table, chain, rule, hooks)
                    text.kernel_check(rule.target.value, context)
        except KernelRejected as err:
            raise self._kernel_error(op, reported_chain or chain, err) from None

    def _rule_context(
        self, table: Table, chain: str, rule: Rule, hooks: frozenset[str]
    ) -> RuleContext:
        return RuleContext(
            table=table.name,
            chain=chain,
            proto=rule.proto,
            proto_invert="p" in rule.inv,
            hooks=hooks,
            flavour=self.flavour.name,
            names=self.names,
            match_names=tuple(m.name for m in rule.matches),
            matches=rule.matches,
            builtin_chain=table.chains[chain].builtin if chain in table.chains else False,
        )

    # -- commands ---------------------------------------------------------------------

    def run(self, cmd: Command, out: Outcome | None = None) -> Outcome:
        """Carry out ``cmd``; lines go to ``out`` as they are printed, so a caller
        still has them when the command fails half-way."""
        out = out if out is not None else Outcome()
        self.verbose_lines = out.stdout if cmd.verbose else None
        c = cmd.command
        if c in (Cmd.APPEND, Cmd.INSERT, Cmd.REPLACE, Cmd.DELETE, Cmd.CHECK):
            if self.flavour.is_nft:
                # iptables-nft builds its kernel rule first (``nft_cmd_new``): native
                # tcp/udp expressions, read back merged; errors before any chain lookup
                self._check_table_name(cmd.table)
                cmd.rules = self._kernel_rules(cmd.rules)
            if cmd.verbose:
                # ``print_firewall_line`` for each expanded rule, before the kernel sees it
                out.stdout.extend(echo_rule(rule, self.names) for rule in cmd.rules)
            try:
                self._rule_command(cmd)
            except NftBatchError:
                self._refused_batch_handles(cmd)
                raise
        elif c == Cmd.DELETE_NUM:
            self._delete_num(cmd)
        elif c & Cmd.LIST or c & Cmd.LIST_RULES:
            out.stdout.extend(self._list(cmd))
            if c & (Cmd.ZERO | Cmd.ZERO_NUM):
                self._zero(cmd)
        elif c & (Cmd.ZERO | Cmd.ZERO_NUM):
            self._zero(cmd)
        elif c == Cmd.FLUSH:
            self._flush(cmd)
        elif c == Cmd.NEW_CHAIN:
            self._new_chain(cmd)
        elif c == Cmd.DELETE_CHAIN:
            self._delete_chain(cmd)
        elif c == Cmd.RENAME_CHAIN:
            self._rename(cmd)
        elif c == Cmd.SET_POLICY:
            self._policy(cmd)
        return out

    def _refused_batch_handles(self, cmd: Command) -> None:
        """The kernel drew a handle for every new rule (and base chain) of a batch it then
        refused (``nf_tables_newrule`` allocates before it checks the expressions): the
        table's generator stays advanced though nothing else changed."""
        committed = self.ruleset.get(cmd.table)
        if committed is None or cmd.command not in (Cmd.APPEND, Cmd.INSERT):
            return  # a table made by the batch went with it; a replacement keeps its handle
        chain = committed.chains.get(cmd.chain or "")
        registers = chain is not None and not chain.hooked
        committed.last_handle += len(cmd.rules) + registers

    def _kernel_rules(self, rules: list[Rule]) -> list[Rule]:
        """iptables-nft: the rules as the kernel will hold them (native expressions read back)."""
        return [nft_readback(rule) for rule in rules]

    def _rule_command(self, cmd: Command) -> None:
        c = cmd.command
        table = self._edit(cmd.table)
        assert cmd.chain is not None
        if c in (Cmd.DELETE, Cmd.CHECK) and cmd.chain not in table.chains:
            raise TableError(BAD_RULE)
        self._chain(table, cmd.chain)
        op = _RULE_OPS.get(c, "")
        counters = Counters(*cmd.counters) if cmd.counters else None
        if c in (Cmd.INSERT, Cmd.REPLACE):
            table.register(cmd.chain, counted=False)
        if c == Cmd.APPEND:
            self._append(table, cmd.chain, cmd.rules, counters, op)
        elif c == Cmd.INSERT:
            chain = table.chains[cmd.chain]
            if cmd.rulenum > len(chain) + 1:
                raise TableError("Index of insertion too big.")
            for rule in cmd.rules:
                self._validate(table, cmd.chain, rule, op)
                table.insert_rule(
                    table.writable(cmd.chain), cmd.rulenum - 1, rule, counters.copy() if counters else None
                )
        elif c == Cmd.REPLACE:
            chain = table.chains[cmd.chain]
            if cmd.rulenum > len(chain):
                raise TableError("Index of replacement too big.")
            rule = cmd.rules[0]
            self._validate(table, cmd.chain, rule, op)
            w = table.writable(cmd.chain)
            w.rules[cmd.rulenum - 1] = rule  # nf_tables keeps the replaced rule's handle
            w.counters[cmd.rulenum - 1] = counters.copy() if counters else Counters()
        else:
            for rule in cmd.rules:
                self._check_jump_exists(table, rule)
                index = _find(table.chains[cmd.chain].rules, rule)
                if index is None:
                    raise TableError(self._not_found_message(rule))
                if c == Cmd.DELETE:
                    table.writable(cmd.chain).delete(index)
            if c == Cmd.CHECK:
                return
        self._commit(table, creates=True)

    def _append(
        self,
        table: Table,
        chain: str,
        rules: Iterable[Rule],
        counters: Counters | None,
        op: str,
        validated: bool = False,
    ) -> None:
        """``-A CHAIN``: each rule checked by the kernel (unless ``validated`` already), then
        added at the end. The restore's known line shapes add their rules here too."""
        w = table.register(chain, counted=False)
        for rule in rules:
            if not validated:
                self._validate(table, chain, rule, op)
            table.append_rule(w, rule, counters.copy() if counters else None)

    def _not_found_message(self, rule: Rule) -> str:
        """libiptc's delete/check of a rule whose target is an extension or a chain
        ends with ENOENT ("No chain/target/match"); iptables-nft always says "Bad rule"."""
        if not self.flavour.is_nft and isinstance(rule.target, (TargetEntry, Jump)):
            return NO_SUCH
        return BAD_RULE

    def _check_jump_exists(self, table: Table, rule: Rule) -> None:
        if isinstance(rule.target, Jump) and rule.target.chain not in table.chains:
            if self.flavour.is_nft:
                raise ParameterProblem(f"Chain '{rule.target.chain}' does not exist")
            raise ParameterProblem(f"Couldn't load target `{rule.target.chain}':No such file or directory\n")

    def _delete_num(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        chain = self._chain(table, cmd.chain)
        if cmd.rulenum > len(chain):
            raise TableError("Index of deletion too big.")
        table.writable(chain.name).delete(cmd.rulenum - 1)
        self._commit(table)

    def _chains_selected(self, table: Table, name: str | None) -> list[Chain]:
        if name is None:
            return table.ordered_chains()
        return [self._chain(table, name)]

    def _list(self, cmd: Command) -> list[str]:
        table = self._table_for_read(cmd.table)
        if cmd.chain is not None and cmd.chain not in table.chains:
            if self.flavour.is_nft:  # -L and -S alike, an xtables_error (program prefix, status 1)
                raise XtablesError(
                    f"chain `{cmd.chain}' in table `{cmd.table}' is incompatible, use 'nft' tool.",
                    ExitStatus.OTHER_PROBLEM,
                )
            raise TableError(NO_SUCH)
        chains = self._chains_selected(table, cmd.chain)
        if cmd.command & Cmd.LIST_RULES:
            return self._list_rules(table, chains, cmd)
        fmt = ListFormat(cmd.numeric, cmd.verbose > 0, cmd.exact, cmd.line_numbers)
        lines: list[str] = []
        for i, chain in enumerate(chains):
            if not cmd.rulenum:  # ``-L CHAIN N`` prints the rule alone, without the header
                if i:
                    lines.append("")
                refs = 0 if chain.builtin else table.references(chain.name)
                lines.extend(chain_header(chain.name, chain.policy, chain.policy_counters, refs, fmt))
            for n, (rule, counters) in enumerate(zip(chain.rules, chain.counters, strict=True), 1):
                if cmd.rulenum and n != cmd.rulenum:
                    continue
                lines.append(list_rule(rule, counters, n, fmt, self.names))
        return lines

    def _list_rules(self, table: Table, chains: list[Chain], cmd: Command) -> list[str]:
        lines: list[str] = []
        verbose = cmd.verbose > 0
        if not cmd.rulenum:
            for chain in chains:
                if chain.builtin:
                    line = f"-P {chain.name} {chain.policy}"
                    if verbose:
                        line += f" -c {chain.policy_counters.packets} {chain.policy_counters.bytes}"
                    lines.append(line)
                else:
                    lines.append(f"-N {chain.name}")
        for chain in chains:
            for n, (rule, counters) in enumerate(zip(chain.rules, chain.counters, strict=True), 1):
                if cmd.rulenum and n != cmd.rulenum:
                    continue
                text = save_rule(rule, self.names, flavour=self.flavour.name, counters=counters if verbose else None)
                lines.append(f"-A {chain.name}{text}")
        if cmd.rulenum and not self.flavour.is_nft and cmd.rulenum > len(chains[0]):
            raise TableError("Index of deletion too big.")
        return lines

    def _zero(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        if cmd.command & Cmd.ZERO_NUM and self.flavour.is_nft and cmd.chain not in table.chains:
            raise TableError(BAD_RULE)
        chains = self._chains_selected(table, cmd.chain)
        for chain in chains:
            w = table.writable(chain.name)
            if not cmd.command & Cmd.ZERO_NUM:
                self._say(f"Zeroing chain `{chain.name}'")
            if cmd.command & Cmd.ZERO_NUM:
                if cmd.rulenum > len(w):
                    if self.flavour.is_nft:
                        return
                    raise TableError("Index of counter too big.")
                w.counters[cmd.rulenum - 1] = Counters()
                continue
            w.counters = [Counters() for _ in w.rules]
            w.policy_counters = Counters()
            if w.builtin and w.hooked:
                # iptables-nft zeroes a base chain by sending it with counters
                # (``__nft_chain_zero_counters``): from then on its policy counts, as after -P
                w.counted = True
        self._commit(table)

    def _flush(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        for chain in self._chains_selected(table, cmd.chain):
            self._say(f"Flushing chain `{chain.name}'")
            table.writable(chain.name).flush()
        self._commit(table)

    def _new_chain(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        assert cmd.chain is not None
        if cmd.chain in table.chains:
            raise TableError("Chain already exists.")
        table.add_chain(cmd.chain)
        self._commit(table, creates=True)

    def _delete_chain(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        if cmd.chain is None:
            victims = [c.name for c in table.user_chains()]
        else:
            chain = table.chains.get(cmd.chain)
            if chain is None or (chain.builtin and self.flavour.is_nft):
                raise TableError(NO_SUCH)
            if chain.builtin:
                raise TableError(_legacy_errno_message("EINVAL"))
            victims = [cmd.chain]
        # A chain still jumped to, or holding rules, cannot go. The nft batch stops at the
        # first such chain (EBUSY); libiptc tries every chain and reports the last errno.
        # Either way nothing is deleted. (A deletable chain is empty: it holds no jumps.)
        failure = None
        for name in victims:
            problem = "EMLINK" if table.references(name) else "ENOTEMPTY" if table.chains[name].rules else None
            if problem and self.flavour.is_nft:
                raise NftBatchError("CHAIN_DEL", "Device or resource busy", f"chain {name}")
            failure = problem or failure
        if failure:
            raise TableError(_legacy_errno_message(failure))
        for name in victims:
            self._say(f"Deleting chain `{name}'")
            table.remove_chain(name)
        if cmd.chain is None and self.flavour.is_nft:
            # iptables-nft 1.8.9 also deletes the base chains nobody needs: empty, ACCEPT
            for chain in list(table.builtin_chains()):
                if chain.hooked and not chain.rules and chain.policy == "ACCEPT":
                    w = table.writable(chain.name)
                    w.hooked = w.counted = False
                    w.policy_counters = Counters()
        self._commit(table)

    def _rename(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        assert cmd.chain is not None and cmd.newname is not None
        chain = table.chains.get(cmd.chain)
        if chain is not None and chain.builtin and self.flavour.is_nft:
            return  # iptables-nft 1.8.9 silently does nothing
        if chain is None or chain.builtin:
            raise TableError(NO_SUCH)
        if cmd.newname in table.chains:
            raise TableError("File exists.")
        table.rename_chain(cmd.chain, cmd.newname)
        self._commit(table)

    def _policy(self, cmd: Command) -> None:
        table = self._edit(cmd.table)
        assert cmd.chain is not None and cmd.policy is not None
        chain = table.chains.get(cmd.chain)
        if chain is None or not chain.builtin:
            raise TableError("Bad built-in chain name.")
        if cmd.policy not in ("ACCEPT", "DROP"):
            raise TableError("Bad policy name. Run `dmesg' for more information.")
        w = table.writable(cmd.chain)
        w.policy = cmd.policy
        if not w.counted:  # the policy now comes with its counter, from zero
            w.policy_counters = Counters()
        table.register(cmd.chain, counted=True)
        if cmd.counters is not None:
            w.policy_counters = Counters(*cmd.counters)
        self._commit(table, creates=True)


def _find(rules: Iterable[Rule], rule: Rule) -> int | None:
    for i, r in enumerate(rules):
        if r == rule:
            return i
    return None


def _closure(table: Table, start: str) -> set[str]:
    """User chains reachable from ``start`` by jumps (``start`` included)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in table.chains:
            continue
        seen.add(name)
        todo.extend(j for r in table.chains[name].rules if (j := r.jumps_to()) is not None)
    return seen


def _legacy_errno_message(errno: str) -> str:
    """``iptc_strerror`` texts the legacy backend prints after ``iptables: ``."""
    from .errors import ERRNO_TEXT

    return {
        "EINVAL": "Invalid argument. Run `dmesg' for more information.",
        "ENOENT": NO_SUCH,
        "ELOOP": "Too many levels of symbolic links.",
        "EMLINK": "Too many links.",
        "EEXIST": "File exists.",
        "ENOTEMPTY": "Directory not empty.",
        "EOPNOTSUPP": "Operation not supported.",
        "EPERM": "Operation not permitted.",
    }.get(errno, f"{ERRNO_TEXT.get(errno, errno)}.")  # otherwise strerror()
