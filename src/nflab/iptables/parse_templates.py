"""Parse templates: command lines that differ only in their argument values parse alike.

A restore file (or a script of ``iptables -A``) repeats a few rule shapes
with different addresses, ports and chains. Where getopt goes through a
command line never depends on the words it hands to options as separate
arguments, so once one line has been parsed, another line with the same words
everywhere else parses along the same path: the same options, extensions and
command, and only what those argument words produce differs -- the addresses
of ``-s``/``-d``, the counters of ``-c``, the chain of ``-A``, a verdict or
chain as the target of ``-j``/``-g``, and the values of the extensions whose
options took them.

A :class:`Template` is learnt from a full parse that records which argv words
were such values (:class:`~.parse_record.Recorder`), the second time a shape comes (most
lines of a kube-proxy ruleset have shapes of their own). A line *fits* it when
it has the same length and the same words at every other position; then only
the value-dependent parts run again: the address parses, the counters, the
checks of a chain and target name, and, for each extension that took a value
word, its option parses with the new words and its final check
(:meth:`~.parse_record.Slot.convert`) -- for every extension in another chain, whose name its
final check may look at. Anything unusual -- an error, a warning, a different
number of addresses, an option reading another word, a target that is an
extension -- gives None (or :data:`UNUSUAL`), and the caller runs the full
parse, which then says what the real parse says.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import MISSING, dataclass, field, fields, replace
from itertools import compress
from operator import itemgetter
from typing import Any

from .addresses import Net, parse_address_list
from .command_line import OPT_BIT, Command, parse_target_name, scan_llu
from .errors import ParameterProblem
from .extension import RuleContext, find_target
from .names import Names
from .parse import Parser, _standard_target
from .parse_record import UNUSUAL, Recorder, Slot, Step
from .rule import Jump, MatchEntry, Rule, Target, TargetEntry, Verdict

MAX_TEMPLATES = 2048

# Option words that were seen taking an argument word whose value the template
# replays (``-s``, ``--dport``...), and those taking two (``-c PKTS BYTES``). Only
# the words after them are abstracted in a shape.
_VALUE_WORDS: set[str] = set()
_PAIR_WORDS: set[str] = set()


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
        if (chain in ("PREROUTING", "INPUT") and options & OPT_BIT["o"]) or (
            chain in ("POSTROUTING", "OUTPUT") and options & OPT_BIT["i"]
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
            return _standard_target(parse_target_name(word), self.goto)
        except ParameterProblem:
            return UNUSUAL

    def counters(self, argv: Sequence[str]) -> tuple[int, int] | None:
        """``-c PKTS BYTES`` of the line as the parse reads them, None when it would differ."""
        if self.counter_indices is None:
            return self.command.counters
        pcnt, bcnt = (argv[i] for i in self.counter_indices)
        if "," in pcnt[1:] or bcnt.startswith("-") or bcnt == "!":
            return None  # the parse would not take BYTES as a word of its own
        packets, octets = scan_llu(pcnt), scan_llu(bcnt)
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
        parser = Recorder(argv, names, restore, line)
    else:
        parser = Parser(argv, names, restore=restore, line=line)
    if warnings is not None:
        parser.cmd.warnings = warnings
    cmd = parser.parse()
    if isinstance(parser, Recorder):
        _learn(parser, argv, names, restore, argv_shape)
    return cmd


def _learn(
    parser: Recorder,
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


def _template(parser: Recorder, argv: Sequence[str], names: Names, restore: bool) -> Template:
    cmd = parser.cmd
    by_slot: dict[int, list[Step]] = {}
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


__all__ = ["Template", "instantiate", "lookup", "parse", "shape"]
