"""The wires between namespaces: veth pairs (a lab cable is one), and packet delivery.

Every namespace of every machine is registered here, so a veth end can be
moved from one namespace to another (``ip link set X netns NS``) and a cable
joins namespaces of different machines. Delivery over a wire takes a small
fixed time on the shared scheduler, so packets from different senders
interleave deterministically.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from ..netfilter.skb import Skb
from ..packet.headers import Packet
from ..stack import linkops
from ..stack.interfaces import Interface
from ..stack.ip import IpStack
from ..stack.netns import Netns
from ..stack.transport import Transport
from .scheduler import Scheduler
from .wires import Wires

RANDOM_SEED = 1  # every run of a lab draws the same ports, sequence numbers and ids


@dataclass
class NsHandle:
    """One network namespace with its datapath; the transport layer (sockets)
    attaches itself as ``transport``."""

    label: str
    netns: Netns
    ip: IpStack
    transport: Any = None
    processes: int = 0  # processes running in it (``ip netns exec``): they keep it alive


class Network:
    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.by_id: dict[int, NsHandle] = {}
        self.wires = Wires(self)
        self._ids = itertools.count(1)
        # told of every namespace made from now on (a trace attaches to new ones too)
        self.namespace_listeners: list[Callable[[NsHandle], None]] = []

    def new_namespace(self, label: str, log: Callable[[int, str], None] | None = None) -> NsHandle:
        """A fresh namespace; ``log`` is its machine's kernel log (``printk``)."""
        ns = Netns(next(self._ids), label)
        ns.clock = lambda: self.scheduler.now
        if log is not None:
            ns.env.log = log
        handle_box: list[NsHandle] = []

        def env():  # type: ignore[no-untyped-def]
            ns.env.now = self.scheduler.now
            ns.env.wall_clock = self.scheduler.clock.now
            return ns.env

        ip = IpStack(
            ns,
            ns.hooks,
            env,
            xmit=lambda dev, packet, nexthop, skb: self._xmit(handle_box[0], dev, packet, nexthop, skb),
            deliver=lambda skb: self._deliver(handle_box[0], skb),
            defer=self.scheduler.call_soon,
        )
        handle = NsHandle(label, ns, ip)
        # sockets: ports, sequence numbers and IP ids from a generator seeded per namespace
        handle.transport = Transport(ns, self.scheduler, random.Random(RANDOM_SEED * 1000 + ns.id))
        handle.transport.attach(ip)
        ns.neighbours.attach(self.wires.neighbour_hooks(handle))
        ip.loopback_tap = lambda packet: self.wires.loopback(handle, packet)
        handle_box.append(handle)
        self.by_id[ns.id] = handle
        for listener in list(self.namespace_listeners):
            listener(handle)
        return handle

    # -- links ----------------------------------------------------------------------------

    def veth_pair(
        self, a: NsHandle, a_name: str, b: NsHandle, b_name: str
    ) -> tuple[Interface, Interface]:
        """Two ends of a veth (``ip link add A type veth peer name B``, or a lab cable)."""
        return linkops.veth_pair(a.netns, a_name, b.netns, b_name)

    def resolve(self, ns_id: int) -> Netns | None:
        """The namespace with this id (links name their peer's namespace by id)."""
        handle = self.by_id.get(ns_id)
        return handle.netns if handle is not None else None

    def remove_namespace(self, handle: NsHandle) -> None:
        """The namespace is gone (``ip netns del`` of its last reference)."""
        self.by_id.pop(handle.netns.id, None)
        others = [h.netns for h in self.by_id.values()]
        linkops.destroy_namespace(handle.netns, self.resolve, others)

    # -- delivery -------------------------------------------------------------------------

    def _xmit(self, handle: NsHandle, dev: str, packet: Packet, nexthop: IPv4Address, skb: Skb) -> None:
        """The IP layer sends ``packet`` out of ``dev`` toward ``nexthop``: ARP resolution,
        then an Ethernet frame on the wire."""
        handle.netns.neighbours.output(dev, nexthop, packet, skb)

    def _deliver(self, handle: NsHandle, skb: Skb) -> None:
        if handle.transport is not None:
            handle.transport.receive(skb)
