"""The netfilter hooks of one namespace, each running its stages in priority order.

For IPv4 the kernel registers, by priority (``enum nf_ip_hook_priorities``):
raw -300, conntrack -200, mangle -150, nat (destination) -100, filter 0,
security 50, nat (source) 100, conntrack confirm last. Which stages a hook
has:

- PREROUTING: raw, conntrack, mangle, nat-dst
- INPUT: mangle, filter, security, nat-src, confirm
- FORWARD: mangle, filter, security
- OUTPUT: raw, conntrack, mangle, nat-dst, filter, security
- POSTROUTING: mangle, nat-src, confirm

Both backends' tables run at their table's priority; of two at the same priority the one
registered last runs first.
Connection tracking runs only while some rule in the namespace needs it
(``nf_ct_netns_get``: a state/conntrack match, a NAT target, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..iptables.extension import find_match, find_target
from ..iptables.rule import TargetEntry
from .conntrack import ConntrackTable, Timeouts, resolve, update
from .engine import Tracer, run_chain
from .nat import nat_hook
from .nftrace import NftTraceWalk
from .skb import CtState, Env, Skb, XtVerdict
from .state import NetfilterState
from .tables import Ruleset, Table
from .tracelog import legacy_tracer

STAGES: dict[str, tuple[str, ...]] = {
    "PREROUTING": ("raw", "conntrack", "mangle", "nat"),
    "INPUT": ("mangle", "filter", "security", "nat", "confirm"),
    "FORWARD": ("mangle", "filter", "security"),
    "OUTPUT": ("raw", "conntrack", "mangle", "nat", "filter", "security"),
    "POSTROUTING": ("mangle", "nat", "confirm"),
}

# The hooks where NAT rewrites the destination (the others rewrite the source).
DST_NAT_HOOKS = frozenset({"PREROUTING", "OUTPUT"})


def ruleset_needs_conntrack(ruleset: Ruleset) -> bool:
    """Does any rule of this backend hold a conntrack reference?

    A nat table or base chain alone takes none: on this machine's kernel an
    empty (or ACCEPT-only) nat chain leaves connections untracked, with both
    iptables-nft and iptables-legacy; only the rules' checkentry (NAT targets,
    state/conntrack matches, ...) call ``nf_ct_netns_get``.
    """
    for rule in ruleset.rules():
        for m in rule.matches:
            ext = find_match(m.name)
            if ext is not None and ext.takes_conntrack(m.value):
                return True
        if isinstance(rule.target, TargetEntry):
            text = find_target(rule.target.name)
            if text is not None and text.takes_conntrack(rule.target.value):
                return True
    return False


def nf_queue(skb: Skb, env: Env) -> XtVerdict:
    """``nf_hook_slow`` on NF_QUEUE: a program bound to the queue takes the packet; with
    nobody there it is dropped, or, with ``--queue-bypass``, goes on to the next hook
    function as if accepted (``nf_queue`` returns 1)."""
    if (skb.nfqueue or 0) in env.services.get("nfqueue", ()):
        return XtVerdict.QUEUE
    return XtVerdict.ACCEPT if skb.nfqueue_bypass else XtVerdict.DROP


@dataclass
class HookRunner:
    """Runs the hooks of one namespace."""

    netfilter: NetfilterState
    conntrack: ConntrackTable
    timeouts: Callable[[], Timeouts]
    _cache_key: tuple[int, int] | None = None
    _cache_value: bool = False
    _plan_key: tuple[int, int] | None = None
    _plan: dict[tuple[str, str], tuple[tuple[Ruleset, Table], ...]] = field(default_factory=dict)
    _nftrace_key: int | None = None
    _nftrace_value: bool = False

    def tracking(self) -> bool:
        key = (self.netfilter.nft.generation, self.netfilter.legacy.generation)
        if key != self._cache_key:
            self._cache_key = key
            self._cache_value = ruleset_needs_conntrack(self.netfilter.nft) or ruleset_needs_conntrack(
                self.netfilter.legacy
            )
        return self._cache_value

    def run(self, hook: str, skb: Skb, env: Env, tracer: Tracer | None = None) -> XtVerdict:
        skb.hook = hook
        for stage in STAGES[hook]:
            if stage == "conntrack":
                self._conntrack_in(skb, env)
                continue
            if stage == "confirm":
                self._confirm(skb, env)
                continue
            if stage == "nat":
                if skb.ct is None:
                    continue  # untracked packets are never translated
                verdict = nat_hook(hook, skb, env, tracer, self._tables)
            else:
                verdict = self._tables(stage, hook, skb, env, tracer)
            if verdict is not XtVerdict.ACCEPT:
                return verdict
        return XtVerdict.ACCEPT

    def _hooked(self, name: str, hook: str) -> tuple[tuple[Ruleset, Table], ...]:
        """The tables called ``name`` whose ``hook`` chain is registered, nft first: worked
        out once per version of the rulesets (every packet asks)."""
        key = (self.netfilter.nft.generation, self.netfilter.legacy.generation)
        if key != self._plan_key:
            self._plan_key, self._plan = key, {}
        found = self._plan.get((name, hook))
        if found is None:
            hooked = [
                (ruleset, table)
                for ruleset in (self.netfilter.nft, self.netfilter.legacy)
                if (table := ruleset.get(name)) is not None
                and hook in table.chains
                and table.chains[hook].hooked
            ]
            # same priority: ``nf_hook_entries_grow`` puts a new hook before the equal ones
            hooked.sort(key=lambda pair: -pair[1].chains[hook].registered)
            found = self._plan[(name, hook)] = tuple(hooked)
        return found

    def _tables(self, name: str, hook: str, skb: Skb, env: Env, tracer: Tracer | None) -> XtVerdict:
        for ruleset, table in self._hooked(name, hook):
            skb.table = name
            walk_tracer = tracer
            if ruleset is self.netfilter.legacy and (skb.trace or name == "raw"):
                # a traced packet's matched entries go to the kernel log (``trace_packet``);
                # raw is where ``-j TRACE`` turns tracing on, in the middle of a walk
                walk_tracer = legacy_tracer(table, skb, env, tracer)
            elif ruleset is self.netfilter.nft and env.nftrace_listeners and self._nftrace_enabled():
                # nf_tables reports a traced packet's walk to the trace listeners
                walk_tracer = NftTraceWalk(table, skb, env, env.nftrace_listeners, tracer)
            verdict = run_chain(table, hook, skb, env, walk_tracer)
            if verdict is XtVerdict.QUEUE:
                verdict = nf_queue(skb, env)
            if verdict is not XtVerdict.ACCEPT:
                return verdict
        return XtVerdict.ACCEPT

    def _nftrace_enabled(self) -> bool:
        """``nft_trace_enabled``: the static key a ``meta nftrace set`` expression (iptables-nft's
        ``-j TRACE``) switches on; without one nf_tables reports nothing, even for a packet
        iptables-legacy's TRACE marked."""
        nft = self.netfilter.nft
        if nft.generation != self._nftrace_key:
            self._nftrace_key = nft.generation
            self._nftrace_value = any(
                isinstance(rule.target, TargetEntry) and rule.target.name == "TRACE"
                for rule in nft.rules()
            )
        return self._nftrace_value

    def _conntrack_in(self, skb: Skb, env: Env) -> None:
        """``nf_conntrack_in``: attach the connection and its state to the packet."""
        if skb.ct is not None or skb.ctstate is not None:
            return  # already tracked (looped back locally generated packet)
        if skb.notrack:
            skb.ctstate = CtState.UNTRACKED
            return
        if not self.tracking():
            return
        res = resolve(self.conntrack, skb.packet, env.now)
        skb.ct = res.conn
        skb.ctstate = res.state
        skb.ct_reply = res.reply
        # an ICMP error (RELATED) is not a packet of its connection: no state change,
        # no SEEN_REPLY, no accounting (``nf_conntrack_handle_icmp`` returns early)
        if res.conn is not None and res.state in (CtState.NEW, CtState.ESTABLISHED):
            update(res.conn, skb.packet, res.reply, env.now, self.timeouts())

    def _confirm(self, skb: Skb, env: Env) -> None:
        """``nf_conntrack_confirm``: a new connection enters the table with its first packet."""
        conn = skb.ct
        if conn is None or skb.ctstate is not CtState.NEW or skb.ct_reply:
            return
        from .ctview import CtStatus

        if not conn.status & CtStatus.CONFIRMED:
            self.conntrack.confirm(conn)
