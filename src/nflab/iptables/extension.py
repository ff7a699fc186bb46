"""What an extension is, and the registry that finds one by name.

One module per extension lives in :mod:`nflab.extensions`; each defines a
subclass of :class:`MatchExtension` or :class:`TargetExtension` decorated with
:func:`register`. Like a ``libxt_*.c`` file it holds: its option table, the
parse of each option into its working state, the final check that turns that
state into a canonical frozen value, the ``save`` text (``-S`` and
iptables-save), the ``print`` text (``-L``), the kernel's ``checkentry`` and
the evaluation semantics used by the packet path.

Nothing here imports a concrete extension: :func:`load_all` imports the
package's modules, which register themselves.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import KernelRejected
from .names import Names
from .xtoptions import Call, Opt, generic_parse

if TYPE_CHECKING:  # the evaluation context lives in the netfilter layer
    from ..netfilter.skb import Env, Skb, XtVerdict

HOOKS = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What an extension may look at when it checks itself against its rule.

    ``hooks`` are the netfilter hooks from which the rule's chain is reached
    (a built-in chain: its own hook; a user chain: the hooks of the chains
    that jump to it, possibly none yet).
    """

    table: str
    chain: str
    proto: int = 0
    proto_invert: bool = False
    hooks: frozenset[str] = frozenset()
    flavour: str = "nft"
    names: Names | None = None
    match_names: tuple[str, ...] = ()
    builtin_chain: bool = True
    matches: tuple[Any, ...] = ()  # the rule's MatchEntry values (TCPMSS looks for a SYN match)


@dataclass(frozen=True, slots=True)
class Show:
    """How a rule is being printed: ``numeric`` (``-n``; always for save), the
    machine's names, and the rule's ``-p`` number (some extensions print by it)."""

    numeric: bool
    names: Names
    proto: int = 0


class Extension:
    """Common part of matches and targets."""

    name: ClassVar[str]
    kind: ClassVar[str] = ""
    revision: ClassVar[int] = 0
    options: ClassVar[tuple[Opt, ...]] = ()
    # the kernel's restrictions (``struct xt_match``/``xt_target``): None = any
    tables: ClassVar[frozenset[str] | None] = None
    hooks: ClassVar[frozenset[str] | None] = None
    proto: ClassVar[int | None] = None  # required -p (not inverted)
    # this machine's kernel has no module for it: iptables warns when loading the
    # extension and the kernel refuses the rule with ENOENT
    kernel_missing: ClassVar[bool] = False
    # a rule using it switches connection tracking on in its namespace (nf_ct_netns_get)
    needs_conntrack: ClassVar[bool] = False
    # the kernel's name when this is an alias of another extension (``.real_name``:
    # ``-j NOTRACK`` is CT revision 2); rules store that name
    real_name: ClassVar[str] = ""

    def takes_conntrack(self, value: Any) -> bool:
        """Does a rule with this value hold a conntrack reference (its checkentry calls
        ``nf_ct_netns_get``)? Most extensions decide by kind alone."""
        return self.needs_conntrack

    def new_state(self) -> dict[str, Any]:
        return {}

    def parse(self, call: Call) -> None:
        """One option. The default is the generic x6 parse storing the typed value
        under the option's id (and ``id + '!'`` when inverted)."""
        generic_parse(call)
        call.data[call.opt.id] = call.value
        if call.invert:
            call.data[call.opt.id + "!"] = True

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Any:
        """The extension's final check (``x6_fcheck``): the canonical value of the match."""
        return None

    def save(self, value: Any, show: Show) -> str:
        """Options text for ``-S``/iptables-save, each option preceded by a space."""
        return ""

    def print(self, value: Any, show: Show) -> str:
        """Text for the ``-L`` listing, preceded by a space."""
        return ""

    def alias(self, value: Any) -> str:
        """The name ``-S``/iptables-save print for a stored value (``.alias``)."""
        return self.name

    def check(self, value: Any, rule: RuleContext) -> None:
        """The kernel's ``checkentry`` beyond table/hook/proto: raise KernelRejected."""

    def kernel_check(self, value: Any, rule: RuleContext) -> None:
        """What ``xt_check_match``/``xt_check_target`` verify, then ``checkentry``."""
        self.rule_check(rule.table, rule.hooks, rule.proto, rule.proto_invert)
        self.check(value, rule)

    def rule_check(self, table: str, hooks: frozenset[str], proto: int, proto_invert: bool) -> None:
        """What ``xt_check_match``/``xt_check_target`` verify before ``checkentry``: the
        rule's table, hooks and protocol against the extension's, whatever its value."""
        if self.kernel_missing:
            raise KernelRejected("ENOENT")
        if self.tables is not None and table not in self.tables:
            raise KernelRejected("EINVAL")
        if self.hooks is not None and hooks and not hooks <= self.hooks:
            raise KernelRejected("EINVAL")
        if self.proto is not None and (proto != self.proto or proto_invert):
            raise KernelRejected("EINVAL")

    # Whether :meth:`kernel_check` is :meth:`rule_check` alone (no ``checkentry`` of its own):
    # then every value gets the same answer in the same rule
    check_ignores_value: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.check_ignores_value = (
            cls.check is Extension.check and cls.kernel_check is Extension.kernel_check
        )

    @property
    def uses_generic_checks(self) -> bool:
        """x6-style extensions get ``xtables_options_fcheck`` after their own check."""
        return any(not o.raw for o in self.options)


class MatchExtension(Extension):
    kind = "match"
    # iptables-nft folds the native compares of one protocol into one match when reading a
    # rule back (tcp, udp); others (limit) read back one match per expression
    nft_merges: ClassVar[bool] = True

    def matches(self, value: Any, skb: Skb, env: Env) -> bool:
        """Does the packet match (the packet path calls this)."""
        raise NotImplementedError(f"nflab cannot evaluate match {self.name} yet")

    def port_bounds(self, value: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """For the engine's classifier: the source and destination port ranges outside of
        which this match never matches a (non-fragment) packet, without side effects;
        None when the match does not test ports that way."""
        return None

    def nft_native(self, value: Any, proto: int) -> tuple[Any, ...] | None:
        """iptables-nft only (``nft.c: add_match``): the native nf_tables expressions
        this match is stored as, or None when it is kept as an xt match (the default).
        ``proto`` is the rule's ``-p`` number. See :mod:`nflab.iptables.nft_native`."""
        return None

    def nft_decode(self, value: Any, expr: Any) -> Any:
        """iptables-nft only: fold one native expression back into the match value
        read from the kernel (``value`` is None for the first one: a fresh match)."""
        raise NotImplementedError(f"match {self.name} has no native nf_tables form")

    def nft_reads_back_same(self, value: Any, proto: int) -> bool:
        """iptables-nft only: True when this match, in a rule with protocol ``proto`` and no
        other match of its name, certainly reads back as itself; False when that has to be
        worked out (:meth:`nft_native`, then :meth:`nft_decode`). A quick answer for the
        restore of many values (``nft_native.read_back_alone``)."""
        return False


class TargetExtension(Extension):
    kind = "target"

    def target(self, value: Any, skb: Skb, env: Env) -> XtVerdict:
        """The verdict; side effects go to ``skb`` (mark, rewritten packet) and ``env`` (log)."""
        raise NotImplementedError(f"nflab cannot evaluate target {self.name} yet")

    def nft_readback(self, value: Any) -> Any:
        """iptables-nft only (``nft.c: add_action``): the value read back from the kernel
        when the target is stored natively (NFLOG becomes a ``log`` expression)."""
        return value


MATCHES: dict[str, MatchExtension] = {}
TARGETS: dict[str, TargetExtension] = {}


def register(cls: type[Extension]) -> type[Extension]:
    instance = cls()
    if isinstance(instance, MatchExtension):
        MATCHES[cls.name] = instance
    elif isinstance(instance, TargetExtension):
        TARGETS[cls.name] = instance
    else:  # pragma: no cover - a programming error
        raise TypeError(f"{cls} is neither a match nor a target")
    return cls


_loaded = False


def load_all() -> None:
    """Import every module of :mod:`nflab.extensions` once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module("nflab.extensions")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"nflab.extensions.{info.name}")


def find_match(name: str) -> MatchExtension | None:
    load_all()
    return MATCHES.get(name)


def find_target(name: str) -> TargetExtension | None:
    load_all()
    return TARGETS.get(name)
