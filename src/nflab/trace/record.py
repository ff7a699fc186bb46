"""Record a trace: listen to the datapaths of some namespaces, build :class:`~.model.Hop` s.

A :class:`Recorder` attaches to an :class:`~nflab.stack.ip.IpStack` through its
three listening points: ``watch`` (each hook pass, before and after),
``tracer`` (each step of the rule engine) and ``observer`` (each packet's fate
in the namespace). It keeps whatever listeners were there before and calls
them too, and puts them back on :meth:`Recorder.detach`.

Linking hops: a packet sent out of a device (or through ``lo``) is *in flight*
until a namespace receives an equal packet (packets are frozen values: the one
a veth delivers is the one that was sent). A packet a namespace sends at the
very moment another one was delivered or dropped there, before anything else
happened, is that packet's answer (the RST of a closed port, REJECT's reply,
an ICMP error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..netfilter.ctview import CtStatus
from ..netfilter.engine import Step, Tracer
from ..netfilter.skb import Skb, XtVerdict
from ..packet.headers import Packet
from ..stack.ip import Fate, HookWatch, IpStack, Observer
from .model import CtSnap, HookPass, Hop, HopFate, Trace

_STATUS_NAMES = tuple(flag for flag in CtStatus)


def ct_snapshot(skb: Skb) -> CtSnap | None:
    """The packet's conntrack state now (None: conntrack has not looked at it)."""
    if skb.ctstate is None:
        return None
    conn = skb.ct
    if conn is None or not hasattr(conn, "orig"):
        return CtSnap(skb.ctstate.value)
    status = tuple(flag.name or "" for flag in _STATUS_NAMES if conn.status & flag)
    return CtSnap(
        skb.ctstate.value, conn.id, skb.ct_reply, conn.tcp_state, status, conn.orig, conn.reply
    )


@dataclass
class _Attached:
    ip: IpStack
    watch: HookWatch | None
    tracer: Tracer | None
    observer: Observer | None


class Recorder:
    """Collects the hops of every attached namespace into :attr:`trace`."""

    def __init__(self, now: Callable[[], float]):
        self.now = now
        self.trace = Trace()
        self._attached: list[_Attached] = []
        self._open: dict[tuple[str, int], tuple[Hop, Skb]] = {}
        self._passes: list[HookPass] = []  # hook passes under way (nested when a hook sends)
        self._in_flight: list[tuple[Packet, int]] = []
        self._last: tuple[int, str, float] | None = None  # hop, what happened, when

    # -- attaching ----------------------------------------------------------------------

    def attach(self, label: str, ip: IpStack) -> None:
        if any(a.ip is ip for a in self._attached):
            return
        before = _Attached(ip, ip.watch, ip.tracer, ip.observer)
        self._attached.append(before)
        ip.watch = _Watch(self, label, before.watch)
        ip.tracer = _chain_tracer(self._step, before.tracer)
        ip.observer = _chain_observer(lambda skb, fate: self._fate(label, skb, fate), before.observer)

    def attached(self, ip: IpStack) -> bool:
        return any(a.ip is ip for a in self._attached)

    def detach(self) -> Trace:
        """Stop listening; the trace so far (hops still open end as they are)."""
        for a in self._attached:
            a.ip.watch, a.ip.tracer, a.ip.observer = a.watch, a.tracer, a.observer
        self._attached.clear()
        for hop, skb in self._open.values():
            if hop.fate is None:
                hop.last = skb.packet
        self._open.clear()
        return self.trace

    # -- events ---------------------------------------------------------------------------

    def _enter(self, label: str, hook: str, skb: Skb) -> None:
        key = (label, id(skb))
        entry = self._open.get(key)
        if entry is None:
            hop = self._new_hop(label, hook, skb)
            self._open[key] = (hop, skb)
        else:
            hop = entry[0]
        ct = ct_snapshot(skb)
        hook_pass = HookPass(hook, skb.in_iface, skb.out_iface, skb.packet, ct, skb.mark)
        hop.passes.append(hook_pass)
        self._passes.append(hook_pass)

    def _new_hop(self, label: str, hook: str, skb: Skb) -> Hop:
        now = self.now()
        if not skb.in_iface:
            origin = "local"
        elif skb.in_iface == "lo":
            origin = "loopback"
        else:
            origin = "received"
        if skb.bridge_in and hook == "FORWARD":
            bridged = self._bridged_hop(label, skb)
            if bridged is not None:
                return bridged
        hop = Hop(len(self.trace.hops), label, now, origin, skb.in_iface, skb.packet)
        if origin != "local":
            hop.prev = self._arrived(skb.packet)
        elif self._last is not None:
            index, what, when = self._last
            if when == now and what in ("delivered", "dropped", "rejected"):
                hop.answers = index
        self._last = None
        self.trace.hops.append(hop)
        return hop

    def _bridged_hop(self, label: str, skb: Skb) -> Hop | None:
        """br_netfilter runs FORWARD with a new skb: continue the hop of its PREROUTING."""
        for key, (hop, old) in list(self._open.items()):
            if key[0] == label and old.bridge_in and old.packet == skb.packet:
                del self._open[key]
                return hop
        return None

    def _arrived(self, packet: Packet) -> int | None:
        for n, (sent, index) in enumerate(self._in_flight):
            if sent == packet:
                del self._in_flight[n]
                return index
        return None

    def _leave(self, label: str, hook: str, skb: Skb, verdict: XtVerdict) -> None:
        if not self._passes:
            return
        hook_pass = self._passes.pop()
        hook_pass.after = skb.packet
        hook_pass.ct_after = ct_snapshot(skb)
        hook_pass.mark_after = skb.mark
        hook_pass.verdict = verdict.value
        entry = self._open.get((label, id(skb)))
        if entry is None:
            return
        hop = entry[0]
        rejected = any(s.kind == "rule" and s.verdict == "REJECT" for s in hook_pass.steps)
        self._last = (hop.index, "rejected", self.now()) if rejected else None
        if hook == "POSTROUTING" and skb.bridge_out and verdict is XtVerdict.ACCEPT:
            # a bridged frame goes on out of a port: no routing, no fate of its own
            hop.fate = HopFate("bridged", skb.bridge_out, hook)
            hop.last = skb.packet
            del self._open[(label, id(skb))]
            self._in_flight.append((skb.packet, hop.index))

    def _step(self, step: Step) -> None:
        if self._passes:
            self._passes[-1].steps.append(step)

    def _fate(self, label: str, skb: Skb, fate: Fate) -> None:
        entry = self._open.pop((label, id(skb)), None)
        if entry is None:
            return  # a packet the trace did not see enter (it began before the trace)
        hop = entry[0]
        hop.fate = HopFate(fate.kind, fate.reason, fate.hook)
        hop.last = skb.packet
        if fate.kind in ("sent", "forwarded"):
            self._in_flight.append((skb.packet, hop.index))
        self._last = (hop.index, fate.kind, self.now())


class _Watch:
    def __init__(self, recorder: Recorder, label: str, inner: HookWatch | None):
        self.recorder = recorder
        self.label = label
        self.inner = inner

    def enter(self, hook: str, skb: Skb) -> None:
        if self.inner is not None:
            self.inner.enter(hook, skb)
        self.recorder._enter(self.label, hook, skb)

    def leave(self, hook: str, skb: Skb, verdict: XtVerdict) -> None:
        self.recorder._leave(self.label, hook, skb, verdict)
        if self.inner is not None:
            self.inner.leave(hook, skb, verdict)


def _chain_tracer(mine: Tracer, other: Tracer | None) -> Tracer:
    if other is None:
        return mine

    def both(step: Step) -> None:
        mine(step)
        other(step)

    return both


def _chain_observer(mine: Observer, other: Observer | None) -> Observer:
    if other is None:
        return mine

    def both(skb: Skb, fate: Fate) -> None:
        mine(skb, fate)
        other(skb, fate)

    return both
