"""Rule lines of a restore section by shape: the full path once, then only the values.

A restore file repeats a few rule shapes: ``-A INPUT -s X -p udp -m udp
--dport P -j DROP`` with other addresses and ports. The first line of a shape
goes the full way (parse, nft read-back, the executor with the kernel's
checks); it teaches a :class:`LineShape`, and the later lines of that shape
only convert their values and build the rule the full way would have stored:

* the parse: the line fits the :class:`~.parse_templates.Template` the first
  parse learnt (same words everywhere but at the value positions), so only
  the values are parsed again (:meth:`~.parse_templates.Slot.convert`);
* the nft read-back: with no two matches of one name, each match reads back
  alone (:func:`~.nft_native.read_back_alone`), once per distinct value;
* the kernel's checks: a match or target whose kernel check does not look at
  its value (``check`` not overridden) gets the same answer for every value,
  given the table, hooks and protocol: the shape knows it passes for the hooks
  it was learnt with. Anything else is checked per line as the full path does.

A line that does not fit, or whose values do anything unusual (an error, a
warning, another number of addresses), takes the full path, which says what
the real program says. A shape belongs to one section: its table, chain and
flavour are fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..netfilter.tables import Table
from .addresses import parse_address_list
from .errors import KernelRejected
from .extension import RuleContext, find_target
from .names import Names
from .nft_native import check_payloads, read_back_alone
from .parse import Cmd, Command
from .parse_templates import Slot, Template, lookup
from .restore_section import SectionExecutor
from .rule import Counters, Jump, MatchEntry, Rule, Target, TargetEntry

MAX_REMEMBERED = 1 << 16  # read-back values kept per slot of a shape


@dataclass(slots=True)
class _SlotValues:
    """A slot's values as this flavour stores them, by the slot's words."""

    slot: Slot
    nft: bool
    proto: int
    known: dict[object, tuple[MatchEntry, ...] | TargetEntry] = field(default_factory=dict)

    def stored(self, argv: Sequence[str]) -> tuple[MatchEntry, ...] | TargetEntry | None:
        key = self.slot.key(argv)
        found = self.known.get(key)
        if found is None:
            found = self._convert(argv)
            if found is None:
                return None
            if len(self.known) >= MAX_REMEMBERED:
                self.known.clear()
            self.known[key] = found
        return found

    def _convert(self, argv: Sequence[str]) -> tuple[MatchEntry, ...] | TargetEntry | None:
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


def _read_back_target(target: Target | None) -> Target | None:
    """``nft_readback`` of a target (NFLOG is stored as a ``log`` expression)."""
    if isinstance(target, TargetEntry):
        ext = find_target(target.name)
        if ext is not None:
            return TargetEntry(target.name, ext.nft_readback(target.value))
    return target


@dataclass(slots=True)
class LineShape:
    """One learnt shape of ``-A CHAIN ...`` lines in one section."""

    template: Template
    chain: str
    prototype: Rule  # the stored rule of the first line: everything but the values
    parts: tuple[tuple[MatchEntry, ...] | _SlotValues, ...]  # the matches, in order
    target_slot: _SlotValues | None
    checked_hooks: frozenset[str] | None  # nft: the kernel takes any values with these hooks
    payloads: bool  # nft: an inverted address must be checked per line

    def build(self, argv: Sequence[str]) -> Rule | None:
        """The rule the full path would store for this (fitting) line, or None."""
        template = self.template
        proto = self.prototype
        src, dst = proto.src, proto.dst
        names = template.names
        if template.src_index >= 0:
            found = _one_address(argv[template.src_index], names)
            if found is None:
                return None
            src = found
        if template.dst_index >= 0:
            found = _one_address(argv[template.dst_index], names)
            if found is None:
                return None
            dst = found
        parts = self.parts
        if len(parts) == 1 and isinstance(parts[0], _SlotValues):
            values = parts[0].stored(argv)
            if not isinstance(values, tuple):
                return None
            matches = values
        else:
            collected: list[MatchEntry] = []
            for part in parts:
                if isinstance(part, tuple):
                    collected += part
                    continue
                values = part.stored(argv)
                if not isinstance(values, tuple):
                    return None
                collected += values
            matches = tuple(collected)
        target = proto.target
        if self.target_slot is not None:
            stored = self.target_slot.stored(argv)
            if not isinstance(stored, TargetEntry):
                return None
            target = stored
        return Rule(
            src=src,
            dst=dst,
            iface_in=proto.iface_in,
            iface_out=proto.iface_out,
            proto=proto.proto,
            fragment=proto.fragment,
            inv=proto.inv,
            matches=matches,
            target=target,
        )

    def checked(self, rule: Rule, executor: SectionExecutor) -> bool | None:
        """Whether the kernel is known to take the rule (True), must be asked (False), or
        refuses it (None: the full path reports that)."""
        if self.checked_hooks is None or executor.graph.hooks_reaching(self.chain) != (
            self.checked_hooks
        ):
            return False
        if self.payloads:
            try:
                check_payloads(rule)
            except KernelRejected:
                return None
        return True


def _one_address(text: str, names: Names) -> object:
    try:
        found = parse_address_list(text, names)
    except Exception:
        return None
    return found[0] if len(found) == 1 else None


class RuleShapes:
    """The shapes of one section's rule lines: learnt from the full path, then used."""

    def __init__(self, executor: SectionExecutor, names: Names):
        self.executor = executor
        self.nft = executor.flavour.is_nft
        self.names = names
        self._shapes: dict[int, LineShape] = {}  # by id of the template
        self._last: LineShape | None = None

    def append(self, argv: Sequence[str]) -> bool:
        """Append the line's rule as the full path would, when its shape is known and its
        values are usual; False (nothing done) to take the full path."""
        shape = self._last
        if shape is None or not shape.template.fits(argv):
            template = lookup(argv, self.names, True)
            shape = self._shapes.get(id(template)) if template is not None else None
            if shape is None or shape.template is not template:
                return False
            self._last = shape
        rule = shape.build(argv)
        if rule is None:
            return False
        checked = shape.checked(rule, self.executor) if self.nft else True
        if checked is None:
            return False
        template = shape.template
        if template.counter_indices is not None:
            counts = template.counters(argv)
            if counts is None:
                return False
        else:
            counts = template.command.counters
        return self.executor.append_built(
            shape.chain, rule, Counters(*counts) if counts else None, checked
        )

    def learn(self, argv: Sequence[str], cmd: Command) -> None:
        """The full path just ran ``cmd`` for this line: learn its shape if it appended."""
        if cmd.command != Cmd.APPEND or len(cmd.rules) != 1 or cmd.verbose or cmd.chain is None:
            return
        chain = self.executor.table.chains.get(cmd.chain)
        if chain is None or not chain.rules or chain.rules[-1] is not cmd.rules[0]:
            return  # refused, or held back: nothing was appended
        template = lookup(argv, self.names, True)
        if template is None or not template.fits(argv):
            return
        known = self._shapes.get(id(template))
        if known is not None and known.template is template:
            return
        shape = self._shape(template, cmd.chain, chain.rules[-1])
        # what it builds for this very line must be what the full path stored
        if shape is not None and shape.build(argv) == chain.rules[-1]:
            self._shapes[id(template)] = shape
            self._last = shape

    def _shape(self, template: Template, chain: str, stored: Rule) -> LineShape | None:
        parsed = template.prototype
        if parsed is None or len(template.srcs) != 1 or len(template.dsts) != 1:
            return None
        names = [m.name for m in parsed.matches]
        if self.nft and len(set(names)) != len(names):
            return None  # matches of one name read back merged: not one by one
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
            template=template,
            chain=chain,
            prototype=stored,
            parts=tuple(parts),
            target_slot=_SlotValues(target_slot, self.nft, 0) if target_slot else None,
            checked_hooks=self._hooks_known_fine(template, chain, stored) if self.nft else None,
            payloads=bool(stored.inv & {"s", "d"}),
        )

    def _hooks_known_fine(self, template: Template, chain: str, stored: Rule) -> frozenset[str] | None:
        """nft: the hooks with which the kernel takes this shape's rule whatever its values.

        The first line was taken, so its fixed matches and target pass again with the same
        hooks. A match or target whose value varies passes for every value when its kernel
        check does not look at the value and passes here, checked even where iptables-nft
        would store it natively (another value may not be).
        """
        if isinstance(stored.target, Jump):
            return None  # the jump's chain must exist and make no loop: checked per line
        executor = self.executor
        table: Table = executor.table
        hooks = executor.graph.hooks_reaching(chain)
        context = RuleContext(
            table=table.name,
            chain=chain,
            proto=stored.proto,
            proto_invert="p" in stored.inv,
            hooks=hooks,
            flavour=executor.flavour.name,
            names=self.names,
            match_names=tuple(m.name for m in stored.matches),
            matches=stored.matches,
            builtin_chain=table.chains[chain].builtin,
        )
        parsed = template.prototype
        assert parsed is not None
        for slot in template.slots:
            if slot.entry >= 0:
                value = parsed.matches[slot.entry].value
            else:
                assert isinstance(parsed.target, TargetEntry)
                value = parsed.target.value
            if not slot.ext.check_ignores_value:
                return None
            try:
                slot.ext.kernel_check(value, context)
            except KernelRejected:
                return None
        return hooks


__all__ = ["LineShape", "RuleShapes"]
