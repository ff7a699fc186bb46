"""Test wiring for the network stack: two namespaces on one cable, programs as processes.

The namespaces come from the lab's :class:`~nflab.lab.network.Network` (a veth
pair between them), each with a :class:`~nflab.stack.transport.Transport`
attached as the lab attaches it. Every packet a namespace sends is recorded
(time, sender, device, packet), like a capture. Programs are written against
the socket API as a simulated process runs them: ``lab.spawn(host, name, body(api))``.
"""

from __future__ import annotations

import random
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Interface

from nflab.lab.clock import SimClock
from nflab.lab.network import Network, NsHandle
from nflab.lab.scheduler import Process, Scheduler
from nflab.netfilter.skb import Skb
from nflab.packet.headers import Packet
from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables import iptables_main
from nflab.stack.ip import Fate
from nflab.stack.sockets import SocketApi
from nflab.stack.transport import Transport


@dataclass(frozen=True)
class Seen:
    time: float
    sender: str
    dev: str
    packet: Packet


@dataclass
class Lab:
    """Namespaces ``a`` (10.0.0.1) and ``b`` (10.0.0.2), joined by ``eth0``."""

    seed: int = 1
    sched: Scheduler = field(default_factory=lambda: Scheduler(SimClock(0.0)))
    sent_packets: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.network = Network(self.sched)
        self.a = self._host("a")
        self.b = self._host("b")
        self.network.veth_pair(self.a, "eth0", self.b, "eth0")
        for host, address in ((self.a, "10.0.0.1/24"), (self.b, "10.0.0.2/24")):
            host.netns.add_address("eth0", IPv4Interface(address))
            host.netns.set_up("eth0", True)

    def _host(self, name: str) -> NsHandle:
        host = self.network.new_namespace(name)
        host.netns.set_up("lo", True)
        host.transport = Transport(
            host.netns, self.sched, random.Random(self.seed * 100 + host.netns.id)
        )
        host.transport.attach(host.ip)

        def capture(skb: Skb, fate: Fate) -> None:
            if fate.kind in ("sent", "forwarded"):
                self.sent_packets.append(Seen(self.sched.now, name, fate.reason, skb.packet))

        host.ip.observer = capture
        return host

    @property
    def wire(self) -> list[Seen]:
        """What went over the cable (not through lo)."""
        return [s for s in self.sent_packets if s.dev != "lo"]

    def ipt(self, host: NsHandle, line: str) -> None:
        io = Io()
        status = iptables_main(shlex.split(line), io, SimpleHost(netfilter=host.netns.netfilter))
        assert status == 0, f"{line}: {io.combined}"

    def spawn(self, host: NsHandle, name: str, body: Callable[[SocketApi], object]) -> Process:
        def main(proc: Process) -> int:
            result = body(SocketApi(host.transport, proc))
            return result if isinstance(result, int) else 0

        return self.sched.spawn(name, main)

    def run(self, *procs: Process, limit: float = 600.0) -> None:
        """Run until the processes exit (a program crash fails the test)."""
        done = self.sched.run_until(lambda: all(not p.alive for p in procs), limit)
        if self.sched.crashes:
            name, exc = self.sched.crashes[0]
            raise AssertionError(f"program {name} crashed") from exc
        assert done, f"programs still running after {limit} s"

    def sent(self, sender: str, flags: int | None = None, dev: str = "eth0") -> list[Seen]:
        """What ``sender`` sent out of ``dev`` (TCP segments with exactly ``flags``, if given)."""
        return [
            s
            for s in self.sent_packets
            if s.sender == sender
            and s.dev == dev
            and (flags is None or (s.packet.tcp is not None and s.packet.tcp.flags == flags))
        ]
