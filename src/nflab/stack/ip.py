"""The IPv4 packet path of one namespace, in the kernel's order.

Receive (``ip_rcv``): PREROUTING → routing decision (local, forward, or a
silent drop: martian, no forwarding, no route) → INPUT → the transport layer,
or FORWARD (TTL already decremented) → POSTROUTING → the wire.
Send (``ip_local_out``): routing → OUTPUT → re-route when the destination or
mark changed → POSTROUTING → the wire; a packet to a local address goes out
``lo`` and comes back in through PREROUTING and INPUT, still carrying its
connection (conntrack and NAT do not look it up again).

Every packet's fate is reported to ``observer`` (traces explain drops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network
from typing import Protocol

from ..netfilter.engine import Tracer
from ..netfilter.hooks import HookRunner
from ..netfilter.skb import CtState, Env, Skb, XtVerdict
from ..packet.headers import ICMP, IPPROTO_ICMP, Packet
from .netns import Netns
from .routing import Lookup

LOOPBACK = IPv4Network("127.0.0.0/8")
LIMITED_BROADCAST = IPv4Address("255.255.255.255")


@dataclass(frozen=True, slots=True)
class Fate:
    """What finally happened to a packet in this namespace (for traces)."""

    kind: str  # delivered, forwarded, sent, dropped, stolen, queued
    reason: str = ""  # for drops: which rule/hook or which kernel check, naming the sysctl to change
    hook: str = ""


Observer = Callable[[Skb, Fate], None]


class HookWatch(Protocol):
    """Sees each netfilter hook a packet passes, before and after it ran (traces)."""

    def enter(self, hook: str, skb: Skb) -> None: ...

    def leave(self, hook: str, skb: Skb, verdict: XtVerdict) -> None: ...


class IpStack:
    """The datapath. The lab supplies the wire (``xmit``), deferred work (``defer``),
    the transport layer (``deliver``) and the environment of the hooks (``env``)."""

    def __init__(
        self,
        netns: Netns,
        hooks: HookRunner,
        env: Callable[[], Env],
        xmit: Callable[[str, Packet, IPv4Address, Skb], None],
        deliver: Callable[[Skb], None],
        defer: Callable[[Callable[[], None]], object],
        observer: Observer | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.netns = netns
        self.hooks = hooks
        self.env = env
        self.xmit = xmit
        self.deliver = deliver
        self.defer = defer
        self.observer = observer
        self.tracer = tracer
        self.loopback_tap: Callable[[Packet], None] | None = None
        self.watch: HookWatch | None = None
        # ``icmp_xmit_lock``: held while the kernel's ICMP socket sends (an echo reply, an
        # error); an ICMP error REJECT asks for meanwhile (in OUTPUT) is not sent (trylock fails)
        self.icmp_sending = False

    # -- helpers -------------------------------------------------------------------------

    def _fate(self, skb: Skb, kind: str, reason: str = "") -> None:
        if self.observer is not None:
            self.observer(skb, Fate(kind, reason, skb.hook))

    def _hook(self, hook: str, skb: Skb) -> bool:
        env = self.env()
        watch = self.watch
        if watch is not None:
            watch.enter(hook, skb)
        verdict = self.hooks.run(hook, skb, env, self.tracer)
        if watch is not None:
            watch.leave(hook, skb, verdict)
        self._send_answers(env, skb)
        if verdict is XtVerdict.ACCEPT:
            return True
        if verdict is XtVerdict.DROP:
            self._fate(skb, "dropped", f"{skb.table} {hook}")
        elif verdict is XtVerdict.QUEUE:
            self._fate(skb, "queued", f"{skb.table} {hook}: queue {skb.nfqueue or 0}")
        else:
            self._fate(skb, "stolen", f"{skb.table} {hook}")
        return False

    def _send_answers(self, env: Env, skb: Skb) -> None:
        """What REJECT answered with (a RST, an ICMP error) leaves with ``ip_local_out`` at
        once, as ``nf_send_reset``/``icmp_send`` do from inside the hook."""
        answers = [what for kind, what in env.events if kind == "REJECT"]
        if not answers:
            return
        env.events[:] = [event for event in env.events if event[0] != "REJECT"]
        for packet in answers:
            out = Skb(packet)
            if packet.icmp is not None and self.icmp_sending:
                continue
            if skb.ct is not None:
                # ``nf_ct_attach`` (``nf_send_reset``, ``icmp_glue_bits`` for an error): the
                # answer belongs to the rejected packet's connection, even an unconfirmed one
                out.ct, out.ctstate, out.ct_reply = skb.ct, CtState.RELATED, not skb.ct_reply
            if packet.icmp is not None:
                self.icmp_out(packet, out)
            else:
                self.local_out(packet, out)

    def icmp_out(self, packet: Packet, skb: Skb | None = None) -> XtVerdict:
        """``local_out`` from the kernel's ICMP socket (``icmp_xmit_lock`` held)."""
        held, self.icmp_sending = self.icmp_sending, True
        try:
            return self.local_out(packet, skb)
        finally:
            self.icmp_sending = held

    def _usable(self, route: object) -> bool:
        dev = getattr(route, "dev", "")
        iface = self.netns.interfaces.get(dev)
        return iface is not None and (iface.admin_up or getattr(route, "table", "") == "local")

    def route(self, dst: IPv4Address, oif: str = "") -> Lookup | None:
        """The route toward ``dst``; with ``oif`` (a socket bound to a device) only routes
        through that device count, and without one the destination is taken to be on the
        device's link (``ip_route_output_key_hash``: "assume the destination is on link")."""
        if not oif:
            return self.netns.fib.lookup(dst, usable=self._usable)
        hit = self.netns.fib.lookup(dst, usable=lambda r: self._usable(r) and getattr(r, "dev", "") in (oif, "lo"))
        if hit is not None:
            return hit
        iface = self.netns.interfaces.get(oif)
        if iface is None or not iface.admin_up:
            return None
        from ipaddress import IPv4Network

        from .routing import Route

        return Lookup(Route(IPv4Network(dst), oif, scope="link"), None, iface.primary_address)

    def source_for(self, dst: IPv4Address, oif: str = "") -> tuple[IPv4Address | None, Lookup | None]:
        """``inet_select_addr``: the route's preferred source or the device's first address."""
        hit = self.route(dst, oif)
        if hit is None:
            return None, None
        if hit.route.kind == "local":
            # the local route's preferred source (a secondary's is its primary), else dst
            return hit.src or dst, hit
        if hit.src is not None:
            return hit.src, hit
        iface = self.netns.interfaces[hit.route.dev]
        return iface.primary_address, hit

    # -- receive -------------------------------------------------------------------------

    def receive(self, packet: Packet, dev: str, skb: Skb | None = None, prerouting_done: bool = False) -> None:
        """``ip_rcv`` for a packet that arrived on ``dev``; a bridged packet that already
        went through PREROUTING in br_netfilter skips it (``ip_sabotage_in``)."""
        if skb is None:
            skb = Skb(packet=packet, in_iface=dev)
        else:
            skb.packet, skb.in_iface, skb.out_iface = packet, dev, ""
        if not prerouting_done and not self._hook("PREROUTING", skb):
            return
        self._route_input(skb, dev)

    def hook_only(self, hook: str, skb: Skb) -> bool:
        """Run one hook for a packet the bridge handles (br_netfilter); False if it died."""
        return self._hook(hook, skb)

    def host_unreachable(self, packet: Packet) -> None:
        """ARP found no neighbour (``arp_error_report``): ICMP host unreachable to the sender."""
        self._icmp_error(packet, 3, 1)

    def _route_input(self, skb: Skb, dev: str) -> None:
        """``ip_route_input_slow``: martians, local delivery, forwarding."""
        ip = skb.packet.ip
        sysctls = self.netns.sysctls
        # the first byte decides: 0/8, 127/8, 224/4 (and the limited broadcast)
        src_net, dst_net = int(ip.src) >> 24, int(ip.dst) >> 24
        if 224 <= src_net < 240 or ip.src == LIMITED_BROADCAST or src_net == 0:
            return self._fate(skb, "dropped", f"martian source {ip.src} on {dev}")
        if dst_net == 0:
            return self._fate(skb, "dropped", f"martian destination {ip.dst} on {dev}")
        localnet = 127 not in (src_net, dst_net) or dev == "lo" or sysctls.conf(dev, "route_localnet")
        if dst_net == 127 and not localnet:
            return self._fate(
                skb,
                "dropped",
                f"martian destination {ip.dst} on {dev}: 127.0.0.0/8 is only routed on lo "
                f"unless net.ipv4.conf.{dev}.route_localnet=1",
            )
        if src_net == 127 and not localnet:
            return self._fate(
                skb,
                "dropped",
                f"martian source {ip.src} on {dev} (net.ipv4.conf.{dev}.route_localnet=0)",
            )
        hit = self.route(ip.dst)
        if hit is not None and hit.route.kind in ("local", "broadcast"):
            if not self._rp_filter_ok(skb, dev):
                return None
            return self._local_deliver(skb)
        if not sysctls.get_int(f"net.ipv4.conf.{dev}.forwarding"):
            # ``IN_DEV_FORWARD(in_dev)``: the input device's own switch, not ``all`` nor
            # ip_forward (writing those sets every device's)
            return self._fate(skb, "dropped", f"not for this host and net.ipv4.conf.{dev}.forwarding=0 "
                              f"({ip.dst} on {dev})")
        if hit is None:
            return self._fate(skb, "dropped", f"no route to {ip.dst}")
        if not self._rp_filter_ok(skb, dev):
            return None
        return self._forward(skb, hit)

    def _rp_filter_ok(self, skb: Skb, dev: str) -> bool:
        """``fib_validate_source``: with rp_filter, the reverse route must point back at ``dev``
        (strict, 1) or exist at all (loose, 2)."""
        mode = self.netns.sysctls.conf(dev, "rp_filter")
        if not mode or dev == "lo":
            return True
        back = self.route(skb.packet.ip.src)
        if back is not None and (mode == 2 or back.route.dev == dev):
            return True
        self._fate(skb, "dropped", f"reverse path filter: {skb.packet.ip.src} not routed via {dev} "
                   f"(net.ipv4.conf.{dev}.rp_filter={mode})")
        return False

    def _local_deliver(self, skb: Skb) -> None:
        if not self._hook("INPUT", skb):
            return
        self._fate(skb, "delivered")
        self.deliver(skb)

    def _forward(self, skb: Skb, hit: Lookup) -> None:
        ip = skb.packet.ip
        if ip.ttl <= 1:
            self._fate(skb, "dropped", "TTL exceeded")
            self._icmp_error(skb.packet, 11, 0)
            return
        skb.packet = replace(skb.packet, ip=replace(ip, ttl=ip.ttl - 1))
        skb.out_iface = hit.route.dev
        if not self._hook("FORWARD", skb):
            return
        self._post_routing(skb, hit)

    # -- send ----------------------------------------------------------------------------

    def local_out(self, packet: Packet, skb: Skb | None = None, oif: str = "") -> XtVerdict:
        """``ip_local_out`` for a packet a socket (or the kernel) sends; DROP means EPERM.
        ``oif`` is the device the socket is bound to (SO_BINDTODEVICE)."""
        hit = self.route(packet.ip.dst, oif)
        if hit is None:
            return XtVerdict.DROP
        if skb is None:
            skb = Skb(packet=packet)
        skb.packet = packet
        skb.out_iface = "lo" if hit.route.kind == "local" else hit.route.dev
        before = (packet.ip.dst, skb.mark)
        if not self._hook("OUTPUT", skb):
            return XtVerdict.DROP
        if (skb.packet.ip.dst, skb.mark) != before:
            # ``ip_route_me_harder``: DNAT or a mark may change the route
            hit = self.route(skb.packet.ip.dst, oif)
            if hit is None:
                self._fate(skb, "dropped", f"no route to {skb.packet.ip.dst} after OUTPUT")
                return XtVerdict.DROP
            if self._loopback_source_leaves(skb.packet.ip.src, hit):
                self._fate(skb, "dropped", f"source {skb.packet.ip.src} may not leave through "
                           f"{hit.route.dev} (net.ipv4.conf.{hit.route.dev}.route_localnet=0)")
                return XtVerdict.DROP
            skb.out_iface = "lo" if hit.route.kind == "local" else hit.route.dev
        return XtVerdict.ACCEPT if self._post_routing(skb, hit) else XtVerdict.DROP

    def _loopback_source_leaves(self, src: IPv4Address, hit: Lookup) -> bool:
        """``__mkroute_output``: a route that takes a 127.0.0.0/8 source out of a device other
        than loopback is invalid (EINVAL), unless that device has route_localnet."""
        if src not in LOOPBACK or hit.route.kind == "local":
            return False
        iface = self.netns.interfaces.get(hit.route.dev)
        if iface is None or iface.is_loopback:
            return False
        return not self.netns.sysctls.conf(hit.route.dev, "route_localnet")

    def _post_routing(self, skb: Skb, hit: Lookup) -> bool:
        if not self._hook("POSTROUTING", skb):
            return False
        packet = skb.packet
        if hit.route.kind == "local" or skb.out_iface == "lo":
            self._fate(skb, "sent", "lo")
            # loopback xmit: the packet comes back in (netif_rx) keeping its conntrack entry
            if self.loopback_tap is not None:
                self.loopback_tap(packet)
            self.defer(lambda: self.receive(packet, "lo", skb))
            return True
        nexthop = hit.gateway or packet.ip.dst
        self._fate(skb, "forwarded" if skb.in_iface else "sent", skb.out_iface)
        self.xmit(skb.out_iface, packet, nexthop, skb)
        return True

    # -- ICMP errors the stack itself sends ------------------------------------------------

    def _icmp_error(self, offending: Packet, icmp_type: int, code: int) -> None:
        """``icmp_send``: an error back to the offending packet's source."""
        src, hit = self.source_for(offending.ip.src)
        if src is None or hit is None:
            return
        from ..packet.headers import IPv4

        error = Packet(
            IPv4(src, offending.ip.src, IPPROTO_ICMP, tos=0xC0, dont_fragment=False),
            ICMP(icmp_type, code, quoted=offending),
        )
        self.icmp_out(error)
