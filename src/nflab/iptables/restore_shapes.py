"""Rule lines of a restore section by shape: the full path once, then only the values.

A restore file repeats a few rule shapes: ``-A INPUT -s X -p udp -m udp
--dport P -j DROP`` with other addresses and ports, or kube-proxy's ``-A
KUBE-SEP-X -s X -j KUBE-MARK-MASQ`` with other chains. The first lines of a
shape go the full way (parse, nft read-back, the executor with the kernel's
checks) and teach a :class:`LineShape`; a later line of that shape only
converts its values and appends the rule the full way would have stored:

* the parse: the line fits the :class:`~.parse_templates.Template` the first
  parse learnt (the same words everywhere but at the value positions), so
  only the values are parsed again (:meth:`~.parse_record.Slot.convert`),
  once per distinct value word of the section;
* the nft read-back: with no two matches of one name nothing merges, so each
  match reads back alone (:func:`~.nft_native.read_back_alone`), once per
  distinct value too; the fixed matches, interfaces and target read back as
  they did for the first line;
* the kernel's checks: the first line's rule was taken, so its fixed matches
  and target pass again in the same chain with the same hooks. A match or
  target whose value varies passes for every value when its kernel check does
  not look at the value (:attr:`~.extension.Extension.check_ignores_value`)
  and passes with these hooks. A jump, a value the kernel may judge, or a rule
  in another chain than the learnt one, is checked per line as the full path
  does (``SectionExecutor.append_built``).

A line that does not fit, or whose values do anything unusual (an error, a
warning, another number of addresses, a refusal), takes the full path, which
says what the real program says. A shape belongs to one section: its table
and flavour are fixed; the key of a shape is its template, whose literal words
include the program name, ``-t TABLE`` and the command.
"""

from __future__ import annotations

from collections.abc import Sequence

from .addresses import Net, single_address
from .errors import KernelRejected
from .extension import find_target
from .names import Names
from .nft_native import check_payloads, read_back_alone
from .parse import Cmd, Command
from .parse_record import UNUSUAL, Slot
from .parse_templates import Template, lookup
from .restore_section import SectionExecutor
from .rule import Counters, Jump, MatchEntry, Rule, Target, TargetEntry

MAX_REMEMBERED = 1 << 16  # values kept per slot of a shape: every port number fits

Stored = tuple[MatchEntry, ...] | TargetEntry  # what a slot's words give, as stored


class _SlotValues:
    """One slot's values as this flavour stores them, by the slot's words."""

    __slots__ = ("slot", "nft", "proto", "known", "index")

    def __init__(self, slot: Slot, nft: bool, proto: int):
        self.slot = slot
        self.nft = nft
        self.proto = proto
        self.known: dict[object, Stored] = {}
        self.index = slot.words[0] if len(slot.words) == 1 else -1  # its one word, usually

    def stored(self, argv: Sequence[str]) -> Stored | None:
        key = argv[self.index] if self.index >= 0 else self.slot.key(argv)
        found = self.known.get(key)
        if found is None:
            found = self._convert(argv)
            if found is None:
                return None
            if len(self.known) >= MAX_REMEMBERED:
                self.known.clear()
            self.known[key] = found
        return found

    def _convert(self, argv: Sequence[str]) -> Stored | None:
        entry = self.slot.convert(argv)
        if entry is None:
            return None
        if isinstance(entry, TargetEntry):
            return _read_back_target(entry) if self.nft else entry
        if not self.nft:
            return (entry,)
        try:
            return read_back_alone(entry, self.proto)
        except Exception:  # "UDP match requires '-p udp'": the full path says it
            return None


def _read_back_target(target: TargetEntry) -> TargetEntry:
    """What ``nft_readback`` makes of a target (NFLOG is stored as a ``log`` expression)."""
    ext = find_target(target.name)
    if ext is None:
        return target
    return TargetEntry(target.name, ext.nft_readback(target.value))


# The slots of Rule, in the order of its fields (a slotted dataclass lists them so)
_new_object = object.__new__
(_SRC, _DST, _IFACE_IN, _IFACE_OUT, _PROTO, _FRAGMENT, _INV, _MATCHES, _TARGET) = (
    getattr(Rule, name).__set__ for name in Rule.__slots__
)


def _rule(
    src: Net | None,
    dst: Net | None,
    iface_in: str,
    iface_out: str,
    proto: int,
    fragment: bool,
    inv: frozenset[str],
    matches: tuple[MatchEntry, ...],
    target: Target | Stored | None,
) -> Rule:
    """``Rule(...)`` without the generated ``__init__``'s nine ``object.__setattr__`` calls:
    the same frozen value (Rule has no ``__post_init__``) in two thirds of the time, for
    the one rule built per line."""
    rule = _new_object(Rule)
    _SRC(rule, src)
    _DST(rule, dst)
    _IFACE_IN(rule, iface_in)
    _IFACE_OUT(rule, iface_out)
    _PROTO(rule, proto)
    _FRAGMENT(rule, fragment)
    _INV(rule, inv)
    _MATCHES(rule, matches)
    _TARGET(rule, target)
    return rule


class LineShape:
    """One learnt shape of ``-A CHAIN ...`` lines in one section."""

    __slots__ = (
        "template", "length", "literal", "words", "chain", "prototype", "parts",
        "single", "target_slot", "src_index", "dst_index", "names", "counter_indices",
        "counters", "hooks", "builtin", "payloads", "plain", "nft", "chain_index",
        "jump_index", "jump_word",
    )

    def __init__(
        self,
        template: Template,
        chain: str,
        prototype: Rule,
        parts: tuple[tuple[MatchEntry, ...] | _SlotValues, ...],
        target_slot: _SlotValues | None,
        hooks: frozenset[str] | None,
        builtin: bool,
        nft: bool,
    ):
        self.template = template
        self.length, self.literal = template.length, template.literal
        self.words = template.literal_words
        self.chain = chain
        self.prototype = prototype  # the first line's stored rule: all but the values
        self.parts = parts  # the matches in order: fixed ones, and slots' stored values
        # the usual case: the matches are one slot's
        self.single = parts[0] if len(parts) == 1 and isinstance(parts[0], _SlotValues) else None
        self.target_slot = target_slot
        self.src_index, self.dst_index = template.src_index, template.dst_index
        self.chain_index, self.jump_index = template.chain_index, template.jump_index
        self.jump_word = template.command.jumpto
        self.names = template.names
        self.nft = nft
        self.counter_indices = template.counter_indices
        self.counters = template.command.counters
        # the rule needs no check with these hooks (None: always checked); they cannot
        # change for a built-in chain
        self.hooks = hooks
        self.builtin = builtin
        self.payloads = bool(prototype.inv & {"s", "d"})  # nft: to check per line
        # the usual case: no counters to read, nothing to check (nft: in a built-in chain,
        # whose hooks cannot change)
        self.plain = (
            self.counters is None
            and self.counter_indices is None
            and hooks is not None
            and (builtin or not nft)
            and not (nft and self.payloads)
        )

    def build(self, argv: Sequence[str]) -> Rule | None:
        """The rule the full path would store for this (fitting) line in the learnt chain,
        or None."""
        proto = self.prototype
        src: Net | None = proto.src
        if self.src_index >= 0:
            src = single_address(argv[self.src_index], self.names)
            if src is None:
                return None
        dst: Net | None = proto.dst
        if self.dst_index >= 0:
            dst = single_address(argv[self.dst_index], self.names)
            if dst is None:
                return None
        matches = self.single.stored(argv) if self.single is not None else self._matches(argv)
        if not isinstance(matches, tuple):
            return None
        target: Target | Stored | None | object = proto.target
        if self.jump_index >= 0 and argv[self.jump_index] != self.jump_word:
            target = self.template.jump(argv)  # another verdict or chain
            if target is UNUSUAL:
                return None
        elif self.target_slot is not None:
            target = self.target_slot.stored(argv)
            if not isinstance(target, TargetEntry):
                return None
        return _rule(
            src, dst, proto.iface_in, proto.iface_out, proto.proto, proto.fragment, proto.inv,
            matches, target,  # type: ignore[arg-type]
        )

    def build_elsewhere(self, argv: Sequence[str]) -> tuple[str, Rule] | None:
        """The chain and rule of a line in another chain: every extension finalizes again,
        in that chain's context (a value may depend on it); nothing is remembered."""
        template, proto = self.template, self.prototype
        parsed = template.prototype
        chain = template.chain(argv)
        target = template.jump(argv)
        if chain is None or target is UNUSUAL or parsed is None:
            return None
        context = template.context_in(chain)
        matches = list(parsed.matches)
        for slot in (*template.slots, *template.others):
            entry = slot.convert(argv, context)
            if entry is None:
                return None
            if isinstance(entry, TargetEntry):
                target = _read_back_target(entry) if self.nft else entry
            else:
                matches[slot.entry] = entry
        stored: list[MatchEntry] = []
        for entry in matches:
            try:
                stored += read_back_alone(entry, parsed.proto) if self.nft else (entry,)
            except Exception:  # "UDP match requires '-p udp'": the full path says it
                return None
        src = proto.src if self.src_index < 0 else single_address(argv[self.src_index], self.names)
        dst = proto.dst if self.dst_index < 0 else single_address(argv[self.dst_index], self.names)
        if src is None or dst is None:
            return None
        return chain, _rule(
            src, dst, proto.iface_in, proto.iface_out, proto.proto, proto.fragment, proto.inv,
            tuple(stored), target,  # type: ignore[arg-type]
        )

    def _matches(self, argv: Sequence[str]) -> tuple[MatchEntry, ...] | None:
        collected: list[MatchEntry] = []
        for part in self.parts:
            if isinstance(part, tuple):
                collected += part
                continue
            values = part.stored(argv)
            if not isinstance(values, tuple):
                return None
            collected += values
        return tuple(collected)


class RuleShapes:
    """The shapes of one section's rule lines: learnt from the full path, then used."""

    def __init__(self, executor: SectionExecutor, names: Names):
        self.executor = executor
        self.nft = executor.flavour.is_nft
        self.names = names
        self._shapes: dict[int, LineShape] = {}  # by id of the template (kept alive)
        self._by_length: dict[int, list[LineShape]] = {}
        self._last: LineShape | None = None

    def _find(self, argv: Sequence[str]) -> LineShape | None:
        """The shape this line fits. Any will do: a line fitting a template parses as its
        learnt line did (parse_templates.py), whichever template its shape key names."""
        candidates = self._by_length.get(len(argv))
        if not candidates:
            return None  # the usual answer for a line of its own (kube-proxy's chains)
        if len(candidates) > 4:
            template = lookup(argv, self.names, True)
            found = self._shapes.get(id(template))
            return found if found is not None and found.template is template else None
        for shape in candidates:
            if shape.literal(argv) == shape.words:
                return shape
        return None

    def append(self, argv: Sequence[str]) -> bool:
        """Append the line's rule as the full path would, when its shape is known and its
        values are usual; False (nothing done) to take the full path."""
        shape = self._last
        # the last shape first (the Template's fits, inline: this runs for every line)
        if shape is None or len(argv) != shape.length or shape.literal(argv) != shape.words:
            found = self._find(argv)
            if found is None:
                return False
            shape = self._last = found
        if shape.chain_index >= 0 and argv[shape.chain_index] != shape.chain:  # elsewhere
            built = shape.build_elsewhere(argv)
            if built is None:
                return False
            chain, rule = built
            learnt = False  # the kernel checks the rule in its chain, as the full path does
        else:
            chain, rule = shape.chain, shape.build(argv)  # type: ignore[assignment]
            if rule is None:
                return False
            # no jump but maybe the learnt one: what the shape knows of the kernel holds
            learnt = rule.target is shape.prototype.target or not isinstance(rule.target, Jump)
            if learnt and shape.plain:
                return self.executor.append_built(chain, rule, None, True)
        counts = shape.counters
        if shape.counter_indices is not None:
            counts = shape.template.counters(argv)
            if counts is None:
                return False
        checked = learnt and shape.hooks is not None
        if checked and self.nft:
            if not shape.builtin and self.executor.graph.hooks_reaching(chain) != shape.hooks:
                checked = False
            elif shape.payloads:
                try:
                    check_payloads(rule)
                except KernelRejected:
                    return False
        counters = Counters(*counts) if counts else None
        return self.executor.append_built(chain, rule, counters, checked)

    def learn(self, argv: Sequence[str], cmd: Command) -> None:
        """The full path just ran ``cmd`` for this line: learn its shape if it appended."""
        if cmd.command != Cmd.APPEND or len(cmd.rules) != 1 or cmd.verbose or cmd.chain is None:
            return
        chain = self.executor.table.chains.get(cmd.chain)
        if chain is None or not chain.rules or chain.rules[-1] is not cmd.rules[0]:
            return  # refused, or held back: nothing was appended
        if self._find(argv) is not None:
            return  # known: its values were unusual
        template = lookup(argv, self.names, True)
        if template is None or not template.fits(argv):
            return
        shape = self._shape(template, cmd.chain, chain.rules[-1], chain.builtin)
        if shape is not None and shape.jump_index >= 0:
            # the prototype is this line's rule: a template learnt from another line (an
            # earlier restore) has that line's jump word, which this rule does not jump to
            shape.jump_word = argv[shape.jump_index]
        # what it builds for this very line must be what the full path stored
        if shape is not None and shape.build(argv) == chain.rules[-1]:
            self._shapes[id(template)] = shape
            self._by_length.setdefault(template.length, []).append(shape)
            self._last = shape

    def _shape(
        self, template: Template, chain: str, stored: Rule, builtin: bool
    ) -> LineShape | None:
        parsed = template.prototype
        if parsed is None or len(template.srcs) != 1 or len(template.dsts) != 1:
            return None
        names = [m.name for m in parsed.matches]
        if self.nft and len(set(names)) != len(names):
            return None  # matches of one name read back merged, not one by one
        slots = {slot.entry: slot for slot in template.slots}
        parts: list[tuple[MatchEntry, ...] | _SlotValues] = []
        for i, entry in enumerate(parsed.matches):
            slot = slots.get(i)
            if slot is not None:
                parts.append(_SlotValues(slot, self.nft, parsed.proto))
            elif self.nft:
                parts.append(read_back_alone(entry, parsed.proto))
            else:
                parts.append((entry,))
        target_slot = slots.get(-1)
        return LineShape(
            template,
            chain,
            stored,
            tuple(parts),
            _SlotValues(target_slot, self.nft, parsed.proto) if target_slot else None,
            self._hooks_taking(template, chain, stored),
            builtin,
            self.nft,
        )

    def _hooks_taking(self, template: Template, chain: str, stored: Rule) -> frozenset[str] | None:
        """The hooks with which the kernel takes the shape's rule whatever its values, or
        None when each line's rule must be checked.

        legacy: nothing is checked at the line but a jump (the table is, at ``COMMIT``).
        nft: the first line's rule was taken with the chain's hooks; a value that varies
        passes too when its kernel check ignores it and passes here (run even where the
        first value was stored natively, unchecked: another value may not be).
        """
        if isinstance(stored.target, Jump):
            return None  # its chain must exist and make no loop
        if not self.nft:
            return frozenset()
        hooks = self.executor.graph.hooks_reaching(chain)
        table, proto, proto_invert = self.executor.table.name, stored.proto, "p" in stored.inv
        for slot in template.slots:
            if not slot.ext.check_ignores_value:
                return None
            try:
                slot.ext.rule_check(table, hooks, proto, proto_invert)
            except KernelRejected:
                return None
        return hooks


__all__ = ["LineShape", "RuleShapes"]
