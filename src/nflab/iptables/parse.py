"""The ``iptables`` command line: ``do_parse`` of iptables 1.8.9 (``xshared.c``).

argv in, a :class:`Command` out, or the exact error iptables prints. Option
lookup is glibc's getopt_long over the main options merged with the options
of every extension loaded so far, newest first, exactly as
``xtables_options_xfrm`` builds that list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .addresses import ANY, Net, parse_address_list, parse_interface, parse_protocol, proto_name
from .cnum import strtoui
from .command_line import (
    INVERTIBLE,
    MAIN_OPTIONS,
    OPT_BIT,
    OPTSTRING,
    Cmd,
    Command,
    assert_valid_chain_name,
    cmd2char,
    cmd_of,
    generic_opt_check,
    parse_target_name,
    scan_llu,
)
from .errors import BadArgument, ParameterProblem, TryHelp
from .extension import (
    Extension,
    MatchExtension,
    RuleContext,
    TargetExtension,
    find_match,
    find_target,
)
from .getopt import (
    MISSING_ARG,
    NON_OPTION,
    OPTIONAL_ARG,
    REQUIRED_ARG,
    UNKNOWN,
    GetoptLong,
    LongOpt,
    OptionTable,
)
from .names import Names
from .rule import STANDARD_VERDICTS, Jump, MatchEntry, Rule, Target, TargetEntry, Verdict
from .xtoptions import Call, Opt, final_check


class _LineIgnored(Exception):
    """``-6`` in iptables-restore: the rest of the line is not looked at."""


@dataclass
class _Loaded:
    """An extension instance being parsed (``xtables_rule_match`` / ``cs->target``)."""

    ext: Extension
    state: dict[str, Any]
    seen: set[str] = field(default_factory=set)
    cloned: bool = False
    slot: int = 0  # its place in load order; its options' getopt codes are (slot, id)


# The merged option lists are immutable products of the extensions loaded, in
# load order: built once per combination, not once per parsed line.
_MERGED: dict[tuple[Extension, ...], OptionTable] = {}
_OPTS_BY_ID: dict[Extension, dict[str, Opt]] = {}


def _merged_options(loaded: tuple[Extension, ...]) -> OptionTable:
    """``xtables_options_xfrm`` applied once per load: the newest extension's options first."""
    table = _MERGED.get(loaded)
    if table is None:
        opts = list(MAIN_OPTIONS)
        for slot in reversed(range(len(loaded))):
            opts += [
                LongOpt(o.name, OPTIONAL_ARG if o.optional_arg else (REQUIRED_ARG if o.takes_arg else 0), (slot, o.id))
                for o in loaded[slot].options
            ]
        table = _MERGED[loaded] = OptionTable(opts)
    return table


def _option_by_id(ext: Extension, opt_id: str) -> Opt:
    """Like ``xtables_option_lookup``: the first entry with that id (synonyms share one)."""
    by_id = _OPTS_BY_ID.get(ext)
    if by_id is None:
        by_id = _OPTS_BY_ID[ext] = {}
        for o in ext.options:
            by_id.setdefault(o.id, o)
    return by_id[opt_id]


_MAIN_TABLE = _merged_options(())
_NO_INVERSIONS: frozenset[str] = frozenset()


class Parser:
    """One run of ``do_parse``."""

    def __init__(self, argv: Sequence[str], names: Names, *, restore: bool = False, line: int = -1):
        self.names = names
        self.restore = restore
        self.line = line
        self.cursor = GetoptLong(argv, OPTSTRING)
        self.opts: OptionTable = _MAIN_TABLE
        self.slots: list[_Loaded] = []  # matches and target, in load order
        self.cmd = Command()
        self.invflags: set[str] = set()
        self.matches: list[_Loaded] = []
        self.target: _Loaded | None = None
        self.protocol: str | None = None
        self.proto = 0
        self.proto_used = False
        self.src_text: str | None = None
        self.dst_text: str | None = None
        self.iface_in = ""
        self.iface_out = ""
        self.goto = False
        self.table_set = False
        # what the parse came to (parse templates learn from them)
        self.srcs: list[Net] = []
        self.dsts: list[Net] = []
        self.context: RuleContext | None = None

    # -- option lists --------------------------------------------------------------

    def _merge(self, loaded: _Loaded) -> None:
        """``xtables_options_xfrm``: the new extension's options go before the older ones."""
        loaded.slot = len(self.slots)
        self.slots.append(loaded)
        self.opts = _merged_options(tuple(m.ext for m in self.slots))

    # -- main loop ----------------------------------------------------------------

    def parse(self) -> Command:
        try:
            return self._parse()
        except _LineIgnored:
            self.cmd.rules = []
            return self.cmd

    def _parse(self) -> Command:
        invert = False
        cur = self.cursor
        while True:
            found = cur.next(self.opts)
            if found is None:
                break
            c, arg = found.code, found.arg
            if c == NON_OPTION:
                assert arg is not None
                if arg == "!":
                    if invert:
                        raise ParameterProblem("multiple consecutive ! not allowed")
                    invert = True
                    continue
                raise BadArgument(arg)
            if isinstance(c, tuple):
                self._extension_option(c, arg, invert)
            elif c in (UNKNOWN, MISSING_ARG):
                if self._load_proto():
                    cur.unread()
                    continue
                word = cur.argv[cur.optind - 1]
                if c == MISSING_ARG:
                    raise ParameterProblem(f'option "{word}" requires an argument')
                raise ParameterProblem(f'unknown option "{word}"')
            else:
                assert isinstance(c, str)
                if self._main_option(c, arg, invert):
                    continue
            invert = False
        return self._finish(invert)

    def _add_command(self, new: Cmd, others: Cmd, invert: bool) -> None:
        if invert:
            raise ParameterProblem("unexpected '!' flag")
        current = int(self.cmd.command)
        if current & ~int(others):
            raise ParameterProblem(
                f"Cannot use -{cmd2char(new)} with -{cmd2char(current & ~int(others))}"
            )
        self.cmd.command = cmd_of(current | int(new))

    def _set_option(self, ch: str, invert: bool) -> None:
        bit = OPT_BIT[ch]
        if self.cmd.options & bit:
            raise ParameterProblem(f"multiple -{ch} flags not allowed")
        self.cmd.options |= bit
        if invert:
            if ch not in INVERTIBLE:
                raise ParameterProblem(f"cannot have ! before -{ch}")
            self.invflags.add(ch)

    def _rulenumber(self, text: str) -> int:
        n = strtoui(text, 1, 0x7FFFFFFF)
        if n is None:
            raise ParameterProblem(f"Invalid rule number `{text}'")
        return n

    def _main_option(self, c: str, arg: str | None, invert: bool) -> bool:
        """Handle a main option; True means 'continue without resetting invert'."""
        cmd, cur = self.cmd, self.cursor
        if c in ("A", "C", "D", "R", "I"):
            self._took_value("A", arg)  # the chain of a rule command
        if c == "A":
            self._add_command(Cmd.APPEND, Cmd.NONE, invert)
            cmd.chain = arg
        elif c == "C":
            self._add_command(Cmd.CHECK, Cmd.NONE, invert)
            cmd.chain = arg
        elif c == "D":
            self._add_command(Cmd.DELETE, Cmd.NONE, invert)
            cmd.chain = arg
            if cur.has_arg():
                cmd.rulenum = self._rulenumber(cur.take())
                cmd.command = Cmd.DELETE_NUM
        elif c == "R":
            self._add_command(Cmd.REPLACE, Cmd.NONE, invert)
            cmd.chain = arg
            if not cur.has_arg():
                raise ParameterProblem("-R requires a rule number")
            cmd.rulenum = self._rulenumber(cur.take())
        elif c == "I":
            self._add_command(Cmd.INSERT, Cmd.NONE, invert)
            cmd.chain = arg
            cmd.rulenum = self._rulenumber(cur.take()) if cur.has_arg() else 1
        elif c in ("L", "S"):
            self._add_command(Cmd.LIST if c == "L" else Cmd.LIST_RULES, Cmd.ZERO | Cmd.ZERO_NUM, invert)
            if arg is not None:
                cmd.chain = arg
            elif cur.has_arg():
                cmd.chain = cur.take()
            if cur.has_arg():
                cmd.rulenum = self._rulenumber(cur.take())
        elif c == "F":
            self._add_command(Cmd.FLUSH, Cmd.NONE, invert)
            if arg is not None:
                cmd.chain = arg
            elif cur.has_arg():
                cmd.chain = cur.take()
        elif c == "Z":
            self._add_command(Cmd.ZERO, Cmd.LIST | Cmd.LIST_RULES, invert)
            if arg is not None:
                cmd.chain = arg
            elif cur.has_arg():
                cmd.chain = cur.take()
            if cur.has_arg():
                cmd.rulenum = self._rulenumber(cur.take())
                cmd.command = (cmd.command & ~Cmd.ZERO) | Cmd.ZERO_NUM
        elif c == "N":
            assert arg is not None
            assert_valid_chain_name(arg)
            self._add_command(Cmd.NEW_CHAIN, Cmd.NONE, invert)
            cmd.chain = arg
        elif c == "X":
            self._add_command(Cmd.DELETE_CHAIN, Cmd.NONE, invert)
            if arg is not None:
                cmd.chain = arg
            elif cur.has_arg():
                cmd.chain = cur.take()
        elif c == "E":
            self._add_command(Cmd.RENAME_CHAIN, Cmd.NONE, invert)
            cmd.chain = arg
            if not cur.has_arg():
                raise ParameterProblem("-E requires old-chain-name and new-chain-name")
            cmd.newname = cur.take()
        elif c == "P":
            self._add_command(Cmd.SET_POLICY, Cmd.NONE, invert)
            cmd.chain = arg
            if not cur.has_arg():
                raise ParameterProblem("-P requires a chain and a policy")
            cmd.policy = cur.take()
        elif c == "h":
            cmd.help = True
        elif c == "p":
            assert arg is not None
            self._set_option("p", invert)
            # 1.8.9 reads ``argv[optind - 1]``, not the option argument: ``-ptcp`` and
            # ``--protocol=tcp`` name the protocol "-ptcp" / "--protocol=tcp" (fixed in 1.8.10)
            self.protocol = cur.argv[cur.optind - 1].lower()
            self.proto = parse_protocol(self.protocol, self.names)
            if self.proto == 0 and "p" in self.invflags:
                raise ParameterProblem("rule would never match protocol")
        elif c == "s":
            self._set_option("s", invert)
            self.src_text = arg
            self._took_value("s", arg)
        elif c == "d":
            self._set_option("d", invert)
            self.dst_text = arg
            self._took_value("d", arg)
        elif c == "g":
            assert arg is not None
            self._set_option("j", invert)
            self.goto = True
            cmd.jumpto = parse_target_name(arg)
            self._took_value("j", arg)
        elif c == "j":
            assert arg is not None
            self._set_option("j", invert)
            self._command_jump(arg)
            self._took_value("j", arg)
        elif c in ("i", "o"):
            assert arg is not None
            if arg == "":
                raise ParameterProblem("Empty interface is likely to be undesired")
            self._set_option(c, invert)
            name = parse_interface(arg)
            if "/" in name or " " in name:
                cmd.warnings.append(
                    f"Warning: weird character in interface `{name}' ('/' and ' ' are not allowed by the kernel)."
                )
            if c == "i":
                self.iface_in = name
            else:
                self.iface_out = name
        elif c == "f":
            self._set_option("f", invert)
        elif c == "v":
            if not cmd.verbose:
                self._set_option("v", invert)
            cmd.verbose += 1
        elif c == "m":
            if invert:
                raise ParameterProblem("unexpected ! flag before --match")
            assert arg is not None
            self._command_match(arg)
        elif c == "n":
            self._set_option("n", invert)
            cmd.numeric = True
        elif c == "t":
            if invert:
                raise ParameterProblem("unexpected ! flag before --table")
            if self.restore and self.table_set:
                # names the program as invoked (xt_params->program_name)
                raise ParameterProblem(f"The -t option cannot be used in {self.cursor.argv[0]}.\n")
            assert arg is not None
            cmd.table = arg
            self.table_set = True
        elif c == "x":
            self._set_option("x", invert)
            cmd.exact = True
        elif c == "V":
            cmd.version = True
        elif c in ("w", "W"):
            if self.restore:
                raise ParameterProblem(f"You cannot use `-{c}' from iptables-restore")
            if arg is None and self.cursor.has_arg():
                self.cursor.take()
        elif c == "0":
            self._set_option("0", invert)
            cmd.line_numbers = True
        elif c == "M":
            pass  # --modprobe: no modules to load in a simulated kernel
        elif c == "c":
            assert arg is not None
            self._set_option("c", invert)
            pcnt = arg
            bcnt: str | None = None
            if "," in arg[1:]:
                idx = arg.index(",", 1)
                pcnt, bcnt = arg, arg[idx + 1 :]
            if bcnt is None and self.cursor.has_arg():
                self._took_value("c", arg)
                bcnt = self.cursor.take()
                self._took_value("c", bcnt)
            if bcnt is None:
                raise ParameterProblem("-c requires packet and byte counter")
            p = scan_llu(pcnt)
            if p is None:
                raise ParameterProblem("-c packet counter not numeric")
            b = scan_llu(bcnt)
            if b is None:
                raise ParameterProblem("-c byte counter not numeric")
            cmd.counters = (p, b)
        elif c == "4":
            pass
        elif c == "6":
            if self.restore:
                # iptables-restore ignores an IPv6 line: do_parse returns on the spot and
                # the command parsed so far runs (with no address, so no rule)
                raise _LineIgnored()
            raise TryHelp()
        else:  # pragma: no cover - every optstring letter is handled above
            raise ParameterProblem(f'unknown option "-{c}"')
        return False

    # -- extensions ---------------------------------------------------------------

    def _command_match(self, name: str) -> None:
        ext = find_match(name)
        if ext is None:
            raise ParameterProblem(f"Couldn't load match `{name}':No such file or directory\n")
        self._warn_if_missing(ext)
        loaded = _Loaded(ext, ext.new_state())
        self.matches.append(loaded)
        self._merge(loaded)

    def _warn_if_missing(self, ext: Extension) -> None:
        """``xtables_compatible_revision``: the kernel lacks the module (ipvs, LED...)."""
        if ext.kernel_missing:
            self.cmd.warnings.append(
                f"Warning: Extension {ext.name} revision {ext.revision} not supported, missing kernel module?"
            )

    def _command_jump(self, name: str) -> None:
        self.cmd.jumpto = parse_target_name(name)
        ext = find_target(name)
        if ext is None:
            return  # maybe a chain name: checked against the table later
        self._warn_if_missing(ext)
        self.target = _Loaded(ext, ext.new_state())
        self._merge(self.target)

    def _extension_option(self, code: tuple[int, str], arg: str | None, invert: bool) -> None:
        owner, opt_id = code
        loaded = self.slots[owner]
        opt = _option_by_id(loaded.ext, opt_id)
        call = Call(
            loaded.ext.name,
            opt,
            arg,
            invert,
            loaded.state,
            loaded.seen,
            self.names,
            cursor=self.cursor,
            proto=self.proto,
            proto_invert="p" in self.invflags,
            warnings=self.cmd.warnings,
        )
        self._parse_option(loaded, call)

    # -- hooks: a parse template records what these did (parse_templates.py) ------

    def _parse_option(self, loaded: _Loaded, call: Call) -> None:
        """An extension parses one of its options."""
        loaded.ext.parse(call)

    def _took_value(self, letter: str, arg: str | None) -> None:
        """``-s``, ``-d``, ``-c``, ``-j``/``-g`` or a rule command (``A``) just took ``arg``."""

    def _load_proto(self) -> bool:
        """Implicit ``-m tcp`` after ``-p tcp`` when an unknown option shows up."""
        if self.protocol is None:
            return False
        name = _proto_match_name(self.protocol, self.names, self.cmd.numeric)
        ext = find_match(name) if name else None
        if ext is None:
            return False
        already = any(m.ext is ext for m in self.matches)
        if already and self.proto_used:
            return False
        self.proto_used = True
        loaded = _Loaded(ext, ext.new_state())
        self.matches.append(loaded)
        self._merge(loaded)
        return True

    # -- the end ------------------------------------------------------------------

    def _finish(self, invert: bool) -> Command:
        cmd = self.cmd
        if cmd.help or cmd.version:
            return cmd
        if cmd.table == "nat" and (cmd.policy == "DROP" or cmd.jumpto == "DROP"):
            raise ParameterProblem(
                '\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n'
            )
        entries: list[MatchEntry] = []
        target: Target | None = None
        if self.slots:
            context = RuleContext(
                table=cmd.table,
                chain=cmd.chain or "",
                proto=self.proto,
                proto_invert="p" in self.invflags,
                names=self.names,
                match_names=tuple(m.ext.name for m in self.matches),
            )
            for m in self.matches:
                entries.append(MatchEntry(m.ext.name, _finalize(m, context)))
            self.context = context
        if self.target is not None:
            ext = self.target.ext
            target = TargetEntry(ext.real_name or ext.name, _finalize(self.target, context))
        if self.cursor.optind < len(self.cursor.argv):
            raise ParameterProblem("unknown arguments found on commandline")
        if not cmd.command:
            raise ParameterProblem("no command specified")
        if invert:
            raise ParameterProblem("nothing appropriate following !")
        srcs = parse_address_list(self.src_text, self.names) if self.src_text is not None else [ANY]
        dsts = parse_address_list(self.dst_text, self.names) if self.dst_text is not None else [ANY]
        self.srcs, self.dsts = srcs, dsts
        self._post_parse_checks(srcs, dsts)
        if cmd.command == Cmd.REPLACE and (len(srcs) != 1 or len(dsts) != 1):
            raise ParameterProblem("Replacement rule does not specify a unique address")
        generic_opt_check(cmd.command, cmd.options)
        if cmd.chain is not None and len(cmd.chain.encode()) >= 29:
            raise ParameterProblem(f"chain name `{cmd.chain}' too long (must be under 29 chars)")
        if cmd.command in (Cmd.APPEND, Cmd.DELETE, Cmd.DELETE_NUM, Cmd.CHECK, Cmd.INSERT, Cmd.REPLACE):
            if cmd.chain in ("PREROUTING", "INPUT") and cmd.options & OPT_BIT["o"]:
                raise ParameterProblem(f"Can't use -o with {cmd.chain}\n")
            if cmd.chain in ("POSTROUTING", "OUTPUT") and cmd.options & OPT_BIT["i"]:
                raise ParameterProblem(f"Can't use -i with {cmd.chain}\n")
        if target is None and cmd.jumpto:
            target = _standard_target(cmd.jumpto, self.goto)
        fragment = bool(cmd.options & OPT_BIT["f"])
        inv = frozenset(self.invflags) if self.invflags else _NO_INVERSIONS
        matches = tuple(entries)
        cmd.rules = [
            Rule(
                src=s,
                dst=d,
                iface_in=self.iface_in,
                iface_out=self.iface_out,
                proto=self.proto,
                fragment=fragment,
                inv=inv,
                matches=matches,
                target=target,
            )
            for s in srcs
            for d in dsts
        ]
        return cmd

    def _post_parse_checks(self, srcs: list[Net], dsts: list[Net]) -> None:
        """``ipv4_post_parse``: ``! -s``/``! -d`` cannot go with several addresses."""
        if (len(srcs) > 1 or len(dsts) > 1) and ("s" in self.invflags or "d" in self.invflags):
            raise ParameterProblem("! not allowed with multiple source or destination IP addresses")


_GENERIC_CHECKS: dict[Extension, bool] = {}


def _finalize(loaded: _Loaded, context: Any) -> Any:
    ext = loaded.ext
    value = ext.finalize(loaded.state, loaded.seen, context)
    generic = _GENERIC_CHECKS.get(ext)
    if generic is None:
        generic = _GENERIC_CHECKS[ext] = ext.uses_generic_checks
    if generic:
        final_check(ext.name, ext.options, loaded.seen)
    return value


_TARGETS: dict[tuple[str, bool], Target] = {}


def _standard_target(name: str, goto: bool) -> Target:
    """The standard target of a verdict or chain name; the values are immutable and
    shared by every rule that uses them."""
    found = _TARGETS.get((name, goto))
    if found is None:
        if len(_TARGETS) > 4096:
            _TARGETS.clear()
        found = Verdict(name) if name in STANDARD_VERDICTS and not goto else Jump(name, goto)
        _TARGETS[(name, goto)] = found
    return found


def _proto_match_name(protocol: str, names: Names, numeric: bool) -> str | None:
    """``find_proto``: a protocol number is looked up by name first."""
    n = strtoui(protocol, 0, 255)
    if n is not None:
        return proto_name(n, names, nolookup=numeric)
    return protocol


def parse_command(
    argv: Sequence[str],
    names: Names,
    *,
    restore: bool = False,
    line: int = -1,
    warnings: list[str] | None = None,
) -> Command:
    """Parse ``iptables ARGS...`` (``argv[0]`` is the program name).

    ``warnings`` collects the lines iptables prints to stderr while parsing
    (they are printed even when the parse then fails); it becomes ``cmd.warnings``.
    """
    return _templates.parse(argv, names, restore, line, warnings)


def parse_uncached(
    argv: Sequence[str],
    names: Names,
    *,
    restore: bool = False,
    line: int = -1,
    warnings: list[str] | None = None,
) -> Command:
    """:func:`parse_command` without the template cache (what the cache must agree with)."""
    parser = Parser(argv, names, restore=restore, line=line)
    if warnings is not None:
        parser.cmd.warnings = warnings
    return parser.parse()


__all__ = ["Cmd", "Command", "MatchExtension", "TargetExtension", "parse_command", "assert_valid_chain_name"]

from . import parse_templates as _templates  # noqa: E402  (uses the names above)
