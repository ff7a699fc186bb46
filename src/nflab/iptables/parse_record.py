"""What a parse did with the words it took as values, and how to do it again.

A :class:`Recorder` is a full parse (:class:`~.parse.Parser`) that notes
which argv words were values -- the words ``-s``, ``-d``, ``-c``, a rule
command's chain, ``-j``/``-g`` and extension options took as separate
arguments -- and how each extension's option parses were called. A
:class:`Slot` is one extension of such a parse: its option parses and final
check can run again with another line's words (:meth:`Slot.convert`).
Parse templates are made of them (parse_templates.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .extension import Extension, RuleContext
from .getopt import GetoptLong
from .names import Names
from .parse import OPTSTRING, Parser, _finalize, _Loaded
from .rule import MatchEntry, TargetEntry
from .xtoptions import Call, Opt


@dataclass(frozen=True, slots=True)
class Step:
    """One option parse of an extension, as the learning parse called it."""

    opt: Opt
    arg: str | None
    invert: bool
    proto: int
    proto_invert: bool
    index: int  # the argv index of ``arg``; -1 when it was not a word of its own
    optind: int  # the cursor before the call
    optind_after: int


class Recorder(Parser):
    """A full parse that notes which words it took as values, and what used them."""

    def __init__(self, argv: Sequence[str], names: Names, restore: bool, line: int):
        super().__init__(argv, names, restore=restore, line=line)
        self.steps: list[tuple[int, Step]] = []  # (extension slot, step)
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
        step = Step(
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
    steps: tuple[Step, ...]
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




__all__ = ["UNUSUAL", "Recorder", "Slot", "Step"]
