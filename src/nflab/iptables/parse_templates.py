"""Parse templates: command lines that differ only in their argument values parse alike.

A restore file (or a script of ``iptables -A``) repeats a few rule shapes
with different addresses and ports. Where getopt goes through a command line
never depends on the words it hands to options as separate arguments, so
once one line has been parsed, another line with the same words everywhere
else parses along the same path: the same options, extensions, command,
chain and target, and only what those argument words produce differs -- the
addresses of ``-s``/``-d``, the counters of ``-c``, and the values of the
extensions whose options took them.

A :class:`Template` is learnt from a full parse that records which argv words
were such values (:class:`_Recorder`). A line *fits* it when it has the same
length and the same words at every other position; then only the
value-dependent parts run again: the address parses, the counters, and, for
each extension that took a value word, its option parses with the new words
and its final check (:meth:`Slot.convert`). Anything unusual -- an error, a
warning, a different number of addresses, an option reading another word --
gives None, and the caller runs the full parse, which then says what the real
parse says.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import MISSING, dataclass, field, fields, replace
from itertools import compress
from operator import itemgetter
from typing import Any

from .addresses import Net, parse_address_list
from .errors import ParameterProblem
from .extension import Extension, RuleContext, find_target
from .getopt import GetoptLong
from .names import Names
from .parse import (
    _OPT_BIT,
    OPTSTRING,
    Command,
    Parser,
    _finalize,
    _Loaded,
    _parse_target_name,
    _scan_llu,
    _standard_target,
)
from .rule import Jump, MatchEntry, Rule, Target, TargetEntry, Verdict
from .xtoptions import Call, Opt

MAX_TEMPLATES = 2048

# Option words that were seen taking an argument word whose value the template
# replays (``-s``, ``--dport``...), and those taking two (``-c PKTS BYTES``). Only
# the words after them are abstracted in a shape.
_VALUE_WORDS: set[str] = set()
_PAIR_WORDS: set[str] = set()


@dataclass(frozen=True, slots=True)
class _Step:
    """One option parse of an extension, as the learning parse called it."""

    opt: Opt
    arg: str | None
    invert: bool
    proto: int
    proto_invert: bool
    index: int  # the argv index of ``arg``; -1 when it was not a word of its own
    optind: int  # the cursor before the call
    optind_after: int


class _Recorder(Parser):
    """A full parse that notes which words it took as values, and what used them."""

    def __init__(self, argv: Sequence[str], names: Names, restore: bool, line: int):
        super().__init__(argv, names, restore=restore, line=line)
        self.steps: list[tuple[int, _Step]] = []  # (extension slot, step)
        self.addresses: dict[str, int] = {}  # "s"/"d" -> argv index
        self.counters: list[int] = []  # argv indices of -c PKTS BYTES
        self.chain_word = -1  # argv index of a rule command's chain
        self.jump_word = -1  # of the target of -j/-g
        self.opaque = False  # it printed something: a replay would have to print it too

    def _value_index(self, arg: str | None) -> int:
        """Where the option argument just taken is in argv, when it was a word of its own."""
        cur = self.cursor
        if arg is None or cur._nextchar or cur.argv[cur.optind - 1] != arg:
            return -1
        return cur.optind - 1

    def _parse_option(self, loaded: _Loaded, call: Call) -> None:
        before, warned, arg = self.cursor.optind, len(self.cmd.warnings), call.arg
        index = self._value_index(arg)
        super()._parse_option(loaded, call)
        if len(self.cmd.warnings) != warned:
            self.opaque = True
        step = _Step(
            call.opt, arg, call.invert, call.proto, call.proto_invert, index, before,
            self.cursor.optind,
        )
        self.steps.append((loaded.slot, step))

    def _took_value(self, letter: str, arg: str | None) -> None:
        index = self._value_index(arg)
        if letter == "c":
            self.counters.append(index)
        elif index < 0:
            return
        elif letter == "A":
            self.chain_word = index
        elif letter == "j":
            self.jump_word = index
        else:
            self.addresses[letter] = index

    def option_values(self) -> list[int]:
        """The argv indices of the words options took as values (but ``-c``'s)."""
        found = [step.index for _, step in self.steps if step.index >= 0]
        found += [i for i in (self.chain_word, self.jump_word) if i >= 0]
        return found + list(self.addresses.values())

    def value_indices(self) -> list[int]:
        return sorted(self.option_values() + (self.counters if self.counter_words() else []))

    def counter_words(self) -> bool:
        """``-c PKTS BYTES`` as two words of their own: both are values."""
        return len(self.counters) == 2 and min(self.counters) >= 0


@dataclass(frozen=True, slots=True)
class Slot:
    """An extension that took at least one value word: its option parses and final
    check run again for each line, with that line's words (:meth:`convert`)."""

    ext: Extension
    steps: tuple[_Step, ...]
    entry: int  # its index among the rule's matches, -1 for the target
    target_name: str  # the target's name as rules store it (``entry`` -1)
    words: tuple[int, ...]  # the argv indices of its value words
    seen: frozenset[str]  # the options it saw (its final check passed with them)
    context: RuleContext = field(repr=False)
    names: Names = field(repr=False)
    uses_cursor: bool = field(init=False)

    def __post_init__(self) -> None:
        # an old-API option may read more words than its argument (one peeking at the next
        # word without taking it finds no cursor: the full parse does it)
        uses = any(s.optind_after != s.optind for s in self.steps)
        object.__setattr__(self, "uses_cursor", uses)

    def key(self, argv: Sequence[str]) -> object:
        """What the conversion depends on: the slot's words of this line."""
        words = self.words
        if len(words) == 1:
            return argv[words[0]]
        return tuple(map(argv.__getitem__, words))

    def convert(
        self, argv: Sequence[str], context: RuleContext | None = None
    ) -> MatchEntry | TargetEntry | None:
        """The match (or target) the line's words give in the learnt rule context (or
        another chain's), or None when the full parse must decide. A pure function of
        :meth:`key` and the context: the same steps and names."""
        try:
            value = self._replay(argv, context or self.context)
        except Exception:  # whatever went wrong, the full parse tells the truth
            return None
        if value is UNUSUAL:
            return None
        if self.entry >= 0:
            return MatchEntry(self.ext.name, value)
        return TargetEntry(self.target_name, value)

    def _replay(self, argv: Sequence[str], context: RuleContext) -> Any:
        """The extension's option parses again with this line's words, then its final check."""
        ext = self.ext
        state = ext.new_state()
        seen: set[str] = set()
        printed: list[str] = []
        # for options that read more words (``--tcp-flags MASK COMP``)
        cursor = GetoptLong(argv, OPTSTRING) if self.uses_cursor else None
        for step in self.steps:
            if cursor is not None:
                cursor.optind = step.optind
            index = step.index
            arg = argv[index] if index >= 0 else step.arg
            # positional: this runs once per new value of a restore (Call's field order)
            call = Call(
                ext.name, step.opt, arg, step.invert, state, seen, self.names, cursor, None, 1,
                step.proto, step.proto_invert, {}, printed,
            )
            ext.parse(call)
            if printed or (cursor is not None and cursor.optind != step.optind_after):
                return UNUSUAL
        if seen == self.seen:
            # the generic final check depends on the options seen only: it passed with these
            return ext.finalize(state, seen, context)
        return _finalize(_Loaded(ext, state, seen), context)


UNUSUAL = object()  # what the full parse must look at


@dataclass(frozen=True, slots=True)
class Template:
    """What a learnt parse needs to parse another line that fits it."""

    names: Names = field(repr=False)
    restore: bool
    length: int
    literal: itemgetter[Any]  # the words at the positions that are not values
    literal_words: object
    command: Command  # the learnt parse; copied for each line
    src_index: int  # argv index of the -s word, -1 when literal
    dst_index: int
    srcs: tuple[Net, ...]
    dsts: tuple[Net, ...]
    counter_indices: tuple[int, int] | None  # -c PKTS BYTES, when they are values
    chain_index: int  # argv index of the rule command's chain, -1 when literal
    jump_index: int  # of the jump's target
    goto: bool  # -g, not -j
    context: RuleContext | None  # the one the extensions finalized in
    slots: tuple[Slot, ...]  # the extensions that took value words
    others: tuple[Slot, ...]  # the other ones: replayed in another chain's context
    prototype: Rule | None  # the first rule: generic part, matches, target

    def fits(self, argv: Sequence[str]) -> bool:
        return len(argv) == self.length and self.literal(argv) == self.literal_words

    def addresses(self, argv: Sequence[str], source: bool) -> Sequence[Net] | None:
        """The line's ``-s`` (or ``-d``) addresses; None when they differ in number from the
        learnt ones (what the post-parse checks say could change) or do not parse."""
        learnt, index = (self.srcs, self.src_index) if source else (self.dsts, self.dst_index)
        if index < 0:
            return learnt
        try:
            found = parse_address_list(argv[index], self.names)
        except ParameterProblem:
            return None
        return found if len(found) == len(learnt) else None

    def chain(self, argv: Sequence[str]) -> str | None:
        """The line's chain; None when the parse would not take it as the learnt one
        (a name too long; ``-o`` with INPUT...)."""
        learnt = self.command.chain
        if self.chain_index < 0 or argv[self.chain_index] == learnt:
            return learnt
        chain = argv[self.chain_index]
        if len(chain.encode()) >= 29:
            return None
        options = self.command.options
        if (chain in ("PREROUTING", "INPUT") and options & _OPT_BIT["o"]) or (
            chain in ("POSTROUTING", "OUTPUT") and options & _OPT_BIT["i"]
        ):
            return None
        return chain

    def context_in(self, chain: str | None) -> RuleContext | None:
        """The rule context the extensions finalize in, for the line's chain."""
        context = self.context
        if context is None or chain == self.command.chain:
            return context
        return replace(context, chain=chain or "")

    def jump(self, argv: Sequence[str]) -> Target | None | object:
        """The target the line's ``-j``/``-g`` word gives when the learnt one is a standard
        target (a verdict or chain); the learnt target for the learnt word; else
        :data:`UNUSUAL` (another extension: other options follow; an invalid name)."""
        proto = self.prototype
        learnt = proto.target if proto is not None else None
        if self.jump_index < 0 or argv[self.jump_index] == self.command.jumpto:
            return learnt
        word = argv[self.jump_index]
        if isinstance(learnt, TargetEntry) or find_target(word) is not None:
            return UNUSUAL  # an extension's options follow its name: another path
        if word == "DROP" and self.command.table == "nat":
            return UNUSUAL
        try:
            return _standard_target(_parse_target_name(word), self.goto)
        except ParameterProblem:
            return UNUSUAL

    def counters(self, argv: Sequence[str]) -> tuple[int, int] | None:
        """``-c PKTS BYTES`` of the line as the parse reads them, None when it would differ."""
        if self.counter_indices is None:
            return self.command.counters
        pcnt, bcnt = (argv[i] for i in self.counter_indices)
        if "," in pcnt[1:] or bcnt.startswith("-") or bcnt == "!":
            return None  # the parse would not take BYTES as a word of its own
        packets, octets = _scan_llu(pcnt), _scan_llu(bcnt)
        if packets is None or octets is None:
            return None
        return packets, octets


_NOT_LEARNABLE = object()
_SEEN_ONCE = object()  # its template is made when the shape comes again
# Command fields made by a default factory (mutable), other than the two set per line
_OTHER_MUTABLE_FIELDS = tuple(
    f.name
    for f in fields(Command)
    if f.default_factory is not MISSING and f.name not in ("rules", "warnings")
)
_TEMPLATES: dict[tuple[object, ...], object] = {}


Shape = tuple[tuple[str | None, ...], tuple[int, ...]]
# the last line's shape: a restore asks for it again when it learns from the line
_LAST_SHAPE: list[tuple[tuple[str, ...], int, Shape]] = []


def shape(argv: Sequence[str]) -> Shape:
    """The key of a command line: every word after a value word is a placeholder."""
    words, known = tuple(argv), len(_VALUE_WORDS) + len(_PAIR_WORDS)  # the sets only grow
    last = _LAST_SHAPE[0] if _LAST_SHAPE else None
    if last is not None and last[1] == known and last[0] == words:
        return last[2]
    found = _shape(words)
    _LAST_SHAPE[:] = [(words, known, found)]
    return found


def _shape(argv: tuple[str, ...]) -> Shape:
    # the indices i + 1 of the words after value words argv[i], 1 <= i < len - 1
    positions = tuple(compress(range(2, len(argv) + 1), map(_VALUE_WORDS.__contains__, argv[1:-1])))
    if (_PAIR_WORDS and not _PAIR_WORDS.isdisjoint(argv)) or (
        len(positions) > 1 and any(b - a == 1 for a, b in zip(positions, positions[1:], strict=False))
    ):
        positions = tuple(_taken_values(argv))  # a value word that is itself a value
    if not positions:
        return argv, ()
    key: list[str | None] = list(argv)
    for i in positions:
        key[i] = None
    return tuple(key), positions


def _taken_values(argv: tuple[str, ...]) -> list[int]:
    positions: list[int] = []
    i, n = 1, len(argv)
    while i < n - 1:
        if argv[i] in _PAIR_WORDS:
            positions += range(i + 1, min(i + 3, n))
            i += 3
        elif argv[i] in _VALUE_WORDS:
            positions.append(i + 1)
            i += 2
        else:
            i += 1
    return positions


def lookup(argv: Sequence[str], names: Names, restore: bool) -> Template | None:
    """The template learnt for this line's shape, if any (the line fits it)."""
    template = _TEMPLATES.get((id(names), restore, shape(argv)[0]))
    if isinstance(template, Template) and template.names is names:
        return template
    return None


def parse(
    argv: Sequence[str], names: Names, restore: bool, line: int, warnings: list[str] | None
) -> Command:
    """``parse_command``: a template's instance when one fits, else a full parse."""
    argv_shape = shape(argv)
    template = _TEMPLATES.get((id(names), restore, argv_shape[0]))
    if isinstance(template, Template) and template.names is names:
        cmd = instantiate(template, argv, warnings)
        if cmd is not None:
            return cmd
    parser: Parser
    if template is None or template is _SEEN_ONCE:
        parser = _Recorder(argv, names, restore, line)
    else:
        parser = Parser(argv, names, restore=restore, line=line)
    if warnings is not None:
        parser.cmd.warnings = warnings
    cmd = parser.parse()
    if isinstance(parser, _Recorder):
        _learn(parser, argv, names, restore, argv_shape)
    return cmd


def _learn(
    parser: _Recorder,
    argv: Sequence[str],
    names: Names,
    restore: bool,
    argv_shape: Shape,
) -> None:
    cmd = parser.cmd
    values = parser.value_indices()
    known = len(_VALUE_WORDS), len(_PAIR_WORDS)
    _VALUE_WORDS.update(argv[index - 1] for index in parser.option_values())
    if parser.counter_words():
        _PAIR_WORDS.add(argv[parser.counters[0] - 1])
    # the line's shape again, if it has words that are values now
    key, positions = argv_shape if known == (len(_VALUE_WORDS), len(_PAIR_WORDS)) else shape(argv)
    if len(_TEMPLATES) >= MAX_TEMPLATES:
        _TEMPLATES.clear()
    full_key = (id(names), restore, key)
    learnable = (
        not parser.opaque
        and not cmd.warnings
        and list(positions) == values
        and len(set(values)) == len(values)
        and (cmd.rules or not positions)
    )
    if not learnable:
        _TEMPLATES[full_key] = _NOT_LEARNABLE
    elif _TEMPLATES.get(full_key) is _SEEN_ONCE:
        _TEMPLATES[full_key] = _template(parser, argv, names, restore)
    else:
        _TEMPLATES[full_key] = _SEEN_ONCE  # a shape met once may be the only one of its kind


def _template(parser: _Recorder, argv: Sequence[str], names: Names, restore: bool) -> Template:
    cmd = parser.cmd
    by_slot: dict[int, list[_Step]] = {}
    for slot, step in parser.steps:
        by_slot.setdefault(slot, []).append(step)
    slots: list[Slot] = []
    others: list[Slot] = []
    for i, loaded in enumerate(parser.slots):
        steps = by_slot.get(i, [])
        is_target = loaded is parser.target
        ext = loaded.ext
        assert parser.context is not None  # extensions were loaded
        words = tuple(step.index for step in steps if step.index >= 0)
        # one with value words is converted again for each line; the others only where the
        # line's chain is not the learnt one (their values are the learnt ones otherwise)
        (slots if words else others).append(
            Slot(
                ext,
                tuple(steps),
                -1 if is_target else parser.matches.index(loaded),
                (ext.real_name or ext.name) if is_target else "",
                words,
                frozenset(loaded.seen),
                parser.context,
                names,
            )
        )
    positions = set(parser.value_indices())
    literal = [i for i in range(len(argv)) if i not in positions]
    getter = itemgetter(*literal)
    counters = parser.counters if parser.counter_words() else None
    return Template(
        names=names,
        restore=restore,
        length=len(argv),
        literal=getter,
        literal_words=getter(argv),
        command=cmd,
        src_index=parser.addresses.get("s", -1),
        dst_index=parser.addresses.get("d", -1),
        srcs=tuple(parser.srcs),
        dsts=tuple(parser.dsts),
        counter_indices=(counters[0], counters[1]) if counters else None,
        chain_index=parser.chain_word,
        jump_index=parser.jump_word,
        goto=parser.goto,
        context=parser.context,
        slots=tuple(slots),
        others=tuple(others),
        prototype=cmd.rules[0] if cmd.rules else None,
    )


def instantiate(
    template: Template, argv: Sequence[str], warnings: list[str] | None
) -> Command | None:
    """The template's command for this line, or None to let the full parse decide."""
    proto = template.prototype
    chain = template.chain(argv)
    target = template.jump(argv)
    if chain is None or target is UNUSUAL:
        return None
    matches: tuple[MatchEntry, ...] = proto.matches if proto is not None else ()
    slots, context = template.slots, None
    if chain != template.command.chain:
        slots, context = slots + template.others, template.context_in(chain)
    if slots:
        replaced = list(matches)
        for slot in slots:
            value = slot.convert(argv, context)
            if value is None:
                return None
            if isinstance(value, TargetEntry):
                target = value
            else:
                replaced[slot.entry] = value
        matches = tuple(replaced)
    srcs = template.addresses(argv, True)
    dsts = template.addresses(argv, False)
    counters = template.counters(argv)
    if srcs is None or dsts is None or (counters is None and template.counter_indices):
        return None
    # a copy of the learnt command: its own lists, the other fields are immutable values
    cmd = Command.__new__(Command)
    cmd.__dict__.update(template.command.__dict__)
    for name in _OTHER_MUTABLE_FIELDS:
        setattr(cmd, name, copy(getattr(cmd, name)))
    cmd.chain = chain
    if template.jump_index >= 0:
        cmd.jumpto = argv[template.jump_index]
    cmd.counters = counters
    cmd.warnings = warnings if warnings is not None else []
    if proto is None:
        cmd.rules = []
        return cmd
    assert target is None or isinstance(target, (Verdict, Jump, TargetEntry))
    cmd.rules = [
        Rule(
            src=s,
            dst=d,
            iface_in=proto.iface_in,
            iface_out=proto.iface_out,
            proto=proto.proto,
            fragment=proto.fragment,
            inv=proto.inv,
            matches=matches,
            target=target,
        )
        for s in srcs
        for d in dsts
    ]
    return cmd


__all__ = ["UNUSUAL", "Slot", "Template", "instantiate", "lookup", "parse", "shape"]
