"""Parse templates: rules that differ only in their argument values parse alike.

A restore file (or a script of ``iptables -A``) repeats a few rule shapes
with different addresses and ports. Where getopt goes through a command line
never depends on the words consumed as option *arguments*, so once one line
of a shape has been parsed, another line of the same shape is the same
:class:`~.parse.Command` except for what those words produce: the addresses
of ``-s``/``-d``, and the values of the extensions whose options took them.

A :class:`Template` is learnt from a full parse that records which argv words
were such arguments. Instantiating it for a new line re-runs exactly the
value-dependent parts: the address parses, and, for each extension that took
a value word, its option parses (with the new words) and its final check.
Anything unusual -- an error, a warning, a different number of addresses --
falls back to the full parse, which then says what the real parse says. The
shape key keeps every other word literally, so the getopt path, the loaded
extensions, the command, chain and target are the template's.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import MISSING, dataclass, field, fields
from itertools import compress

from .addresses import Net, parse_address_list
from .errors import ParameterProblem
from .extension import Extension, RuleContext
from .getopt import GetoptLong
from .names import Names
from .parse import OPTSTRING, AddrStep, Command, ExtStep, Parser, _finalize, _Loaded
from .rule import MatchEntry, Rule, Target, TargetEntry
from .xtoptions import Call

MAX_TEMPLATES = 2048
MAX_REMEMBERED = 4096  # replayed values kept per template slot

# Option words that were seen taking an argument word whose value the template
# replays (``-s``, ``--dport``...). Only the words after them are abstracted.
_VALUE_WORDS: set[str] = set()


@dataclass(frozen=True, slots=True)
class _Slot:
    """An extension that took at least one value word: replayed per line.

    ``values`` remembers the values replays gave for the words seen (a replay
    is a pure function of them: same steps, names and rule context).
    """

    ext: Extension
    steps: tuple[ExtStep, ...]
    entry: int  # its index among the rule's matches, -1 for the target
    words: tuple[int, ...]  # the argv indices of its value words
    values: dict[tuple[str, ...], object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Template:
    names: Names
    restore: bool
    positions: tuple[int, ...]
    command: Command  # the learnt parse; copied for each line
    src_index: int  # argv index of the -s word, -1 when literal
    dst_index: int
    srcs: tuple[Net, ...]
    dsts: tuple[Net, ...]
    slots: tuple[_Slot, ...]
    context: RuleContext | None
    prototype: Rule | None  # the first rule: generic part, matches, target


_NOT_LEARNABLE = object()
# Command fields made by a default factory (mutable), other than the two set per line
_OTHER_MUTABLE_FIELDS = tuple(
    f.name
    for f in fields(Command)
    if f.default_factory is not MISSING and f.name not in ("rules", "warnings")
)
_TEMPLATES: dict[tuple[object, ...], object] = {}


def shape(argv: Sequence[str]) -> tuple[tuple[str | None, ...], tuple[int, ...]]:
    """The key of a command line: every word after a value word is a placeholder."""
    # the indices i + 1 of the words after value words argv[i], 1 <= i < len - 1
    positions = tuple(compress(range(2, len(argv) + 1), map(_VALUE_WORDS.__contains__, argv[1:-1])))
    if not positions:
        return tuple(argv), ()
    if len(positions) > 1 and any(
        b - a == 1 for a, b in zip(positions, positions[1:], strict=False)
    ):
        positions = tuple(_taken_values(argv))  # a value word that is itself a value
    key: list[str | None] = list(argv)
    for i in positions:
        key[i] = None
    return tuple(key), positions


def _taken_values(argv: Sequence[str]) -> list[int]:
    positions: list[int] = []
    i, n = 1, len(argv)
    while i < n - 1:
        if argv[i] in _VALUE_WORDS:
            positions.append(i + 1)
            i += 2
        else:
            i += 1
    return positions


def parse(
    argv: Sequence[str], names: Names, restore: bool, line: int, warnings: list[str] | None
) -> Command:
    """``parse_command``: a template's instance when one fits, else a full parse."""
    key, positions = shape(argv)
    full_key = (id(names), restore, key)
    template = _TEMPLATES.get(full_key)
    if isinstance(template, Template) and template.names is names:
        cmd = _instantiate(template, argv, names, warnings)
        if cmd is not None:
            return cmd
    parser = Parser(argv, names, restore=restore, line=line)
    if warnings is not None:
        parser.cmd.warnings = warnings
    if template is None:
        parser.record = []
    cmd = parser.parse()
    if template is None:
        _learn(parser, argv, names, restore)
    return cmd


def _learn(parser: Parser, argv: Sequence[str], names: Names, restore: bool) -> None:
    record = parser.record
    assert record is not None
    cmd = parser.cmd
    values = sorted(step.index for step in record if step.index >= 0)
    for index in values:
        _VALUE_WORDS.add(argv[index - 1])
    key, positions = shape(argv)
    full_key = (id(names), restore, key)
    if len(_TEMPLATES) >= MAX_TEMPLATES:
        _TEMPLATES.clear()
    learnable = (
        not parser.opaque
        and not cmd.warnings
        and list(positions) == values
        and len(set(values)) == len(values)
        and (cmd.rules or not positions)
    )
    if not learnable:
        _TEMPLATES[full_key] = _NOT_LEARNABLE
        return
    src_index = dst_index = -1
    by_slot: dict[int, list[ExtStep]] = {}
    for step in record:
        if isinstance(step, AddrStep):
            if step.letter == "s":
                src_index = step.index
            else:
                dst_index = step.index
        else:
            by_slot.setdefault(step.slot, []).append(step)
    slots = []
    for slot, steps in by_slot.items():
        if all(step.index < 0 for step in steps):
            continue  # only literal arguments: its value is the template's
        loaded = parser.slots[slot]
        entry = -1 if loaded is parser.target else parser.matches.index(loaded)
        words = tuple(step.index for step in steps if step.index >= 0)
        slots.append(_Slot(loaded.ext, tuple(steps), entry, words))
    _TEMPLATES[full_key] = Template(
        names=names,
        restore=restore,
        positions=positions,
        command=cmd,
        src_index=src_index,
        dst_index=dst_index,
        srcs=tuple(parser.srcs),
        dsts=tuple(parser.dsts),
        slots=tuple(slots),
        context=parser.context,
        prototype=cmd.rules[0] if cmd.rules else None,
    )


def _instantiate(
    template: Template, argv: Sequence[str], names: Names, warnings: list[str] | None
) -> Command | None:
    """The template's command for this line, or None to let the full parse decide."""
    try:
        return _build(template, argv, names, warnings)
    except Exception:  # whatever went wrong, the full parse tells the truth
        return None


def _build(
    template: Template, argv: Sequence[str], names: Names, warnings: list[str] | None
) -> Command | None:
    proto = template.prototype
    matches: tuple[MatchEntry, ...] = ()
    target: Target | None = None
    if proto is not None:
        matches, target = proto.matches, proto.target
    if template.slots:
        replaced = list(matches)
        for slot in template.slots:
            words = tuple(map(argv.__getitem__, slot.words))
            value = slot.values.get(words)
            if value is None:
                replayed = _replay(slot, template.context, argv, names)
                if replayed is None:
                    return None
                if len(slot.values) >= MAX_REMEMBERED:
                    slot.values.clear()
                value = slot.values[words] = (
                    MatchEntry(slot.ext.name, replayed[0]) if slot.entry >= 0 else replayed[0]
                )
            if slot.entry < 0:
                assert isinstance(target, TargetEntry)
                target = TargetEntry(target.name, value)
            else:
                assert isinstance(value, MatchEntry)
                replaced[slot.entry] = value
        matches = tuple(replaced)
    srcs = template.srcs if template.src_index < 0 else _addresses(template, argv, names, True)
    dsts = template.dsts if template.dst_index < 0 else _addresses(template, argv, names, False)
    if srcs is None or dsts is None:
        return None
    # a copy of the learnt command: its own lists, the other fields are immutable values
    cmd = Command.__new__(Command)
    cmd.__dict__.update(template.command.__dict__)
    for name in _OTHER_MUTABLE_FIELDS:
        setattr(cmd, name, copy(getattr(cmd, name)))
    cmd.warnings = warnings if warnings is not None else []
    if proto is None:
        cmd.rules = []
        return cmd
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


def _addresses(
    template: Template, argv: Sequence[str], names: Names, source: bool
) -> Sequence[Net] | None:
    learnt = template.srcs if source else template.dsts
    found = parse_address_list(argv[template.src_index if source else template.dst_index], names)
    # a different count could change what the post-parse checks say
    return found if len(found) == len(learnt) else None


def _replay(
    slot: _Slot, context: RuleContext | None, argv: Sequence[str], names: Names
) -> tuple[object] | None:
    """Run the extension's option parses again with this line's words, then its final check."""
    ext = slot.ext
    loaded = _Loaded(ext, ext.new_state(), set())
    printed: list[str] = []
    cursor = GetoptLong(argv, OPTSTRING)  # for options that read more words (--tcp-flags)
    state, seen = loaded.state, loaded.seen
    for step in slot.steps:
        cursor.optind = step.optind
        index = step.index
        call = Call(
            ext.name,
            step.opt,
            argv[index] if index >= 0 else step.arg,
            step.invert,
            state,
            seen,
            names,
            cursor=cursor,
            proto=step.proto,
            proto_invert=step.proto_invert,
            warnings=printed,
        )
        ext.parse(call)
        if printed or cursor.optind != step.optind_after:
            return None
    if context is None:
        raise ParameterProblem("no rule context")  # cannot happen: extensions were loaded
    return (_finalize(loaded, context),)


__all__ = ["Template", "parse", "shape"]
