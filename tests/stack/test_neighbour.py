"""The NUD state machine of the ARP table, driven through its hooks on a simulated clock.

The transitions and timings are the kernel's (``net/core/neighbour.c``); the
transcript ``tests/scenarios/07-neighbours.md`` shows them on the real kernel.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from nflab.lab.clock import SimClock
from nflab.lab.scheduler import Scheduler
from nflab.netfilter.skb import Skb
from nflab.packet.headers import IPPROTO_UDP, UDP, IPv4, Packet
from nflab.stack.neighbour import NeighbourHooks, Neighbours

PEER = IPv4Address("10.0.0.2")
MAC = bytes.fromhex("020000000002")


class Link:
    def __init__(self) -> None:
        self.sched = Scheduler(SimClock(0.0))
        self.solicits: list[tuple[float, bytes | None]] = []
        self.sent: list[float] = []
        self.unreachable = 0
        self.table = Neighbours()

        def cancel(timer: object) -> None:
            timer.cancelled = True  # type: ignore[attr-defined]

        def unreachable(packet: object, skb: object) -> None:
            self.unreachable += 1

        self.table.attach(NeighbourHooks(
            solicit=lambda dev, target, packet, mac: self.solicits.append((self.sched.now, mac)),
            now=lambda: self.sched.now,
            later=self.sched.call_later,
            cancel=cancel,
            send=lambda dev, packet, mac, skb: self.sent.append(self.sched.now),
            unreachable=unreachable,
        ))  # fmt: skip

    def send(self, confirm: bool = False) -> None:
        packet = Packet(IPv4(IPv4Address("10.0.0.1"), PEER, IPPROTO_UDP), UDP(1, 2))
        skb = Skb(packet)
        if confirm:
            skb.extra["dst_pending_confirm"] = True
        self.table.output("eth0", PEER, packet, skb)

    def state(self) -> str:
        return self.table.entries[("eth0", PEER)].state()

    def advance(self, seconds: float) -> None:
        self.sched.run_until(lambda: False, self.sched.now + seconds)


def test_resolution_then_reachable_then_stale() -> None:
    link = Link()
    link.send()
    assert link.state() == "INCOMPLETE" and link.solicits == [(0.0, None)]  # broadcast
    link.table.learn("eth0", PEER, MAC, create=False, reachable=True)
    assert link.state() == "REACHABLE" and link.sent == [0.0]  # the queued packet left
    link.advance(30.5)
    assert link.state() == "REACHABLE"  # the wheel rounds 30 s up to its 512-jiffy bucket: 30.72
    link.advance(0.5)
    assert link.state() == "STALE"


def test_a_request_from_the_neighbour_makes_it_stale_and_a_use_delays_then_probes() -> None:
    link = Link()
    link.table.learn("eth0", PEER, MAC, create=True)
    assert link.state() == "STALE"
    link.send()
    assert link.state() == "DELAY" and link.sent == [0.0]
    link.advance(5.3)
    assert link.state() == "PROBE" and link.solicits[0][1] == MAC  # unicast to the known MAC
    link.advance(3.1)
    assert [mac for _, mac in link.solicits] == [MAC, MAC, MAC]
    link.advance(1.1)
    assert link.state() == "FAILED"


def test_a_confirmation_within_the_delay_makes_it_reachable_without_a_probe() -> None:
    link = Link()
    link.table.learn("eth0", PEER, MAC, create=True)
    link.send()
    link.advance(2)
    link.send(confirm=True)  # a TCP segment after an ACK that acknowledged new data
    link.advance(3.3)
    assert link.state() == "REACHABLE" and link.solicits == []


def test_three_unanswered_requests_fail_the_entry_and_its_packets() -> None:
    link = Link()
    link.send()
    link.send()
    link.advance(3.5)
    assert link.state() == "FAILED" and link.unreachable == 2
    assert len(link.solicits) == 3
    link.send()  # a failed entry resolves again
    assert link.state() == "INCOMPLETE" and len(link.solicits) == 4


def test_a_request_does_not_downgrade_a_reachable_entry() -> None:
    link = Link()
    link.send()
    link.table.learn("eth0", PEER, MAC, create=False, reachable=True)
    link.table.learn("eth0", PEER, MAC, create=True)  # same address: the state stays
    assert link.state() == "REACHABLE"
    link.table.learn("eth0", PEER, bytes.fromhex("020000000099"), create=True)
    assert link.state() == "STALE"  # a new address is only STALE
