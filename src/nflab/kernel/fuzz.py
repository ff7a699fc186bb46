"""``nflab fuzz``: random rulesets and packets, simulated and on the real kernel, compared.

Per case (see :mod:`.fuzz_gen`), ``b`` gets the ruleset (``iptables-restore``),
``a`` sends the packets with a raw socket, and what is compared is ``b``'s
``iptables-save -c`` (every rule's and policy's counters) and what ``b`` sent
back (a summary of each reply: addresses, protocol, TCP flags, ICMP type).

The kernel side is one pair of scratch namespaces ``nflab-fz-<pid>-a``/``-b``
joined by a veth pair, made once and always removed (``finally``, and
SIGINT/SIGTERM/SIGHUP end the run through that ``finally``). Every ``ip``
command names one of them (``ip -n``); the host's own namespace is never
configured.
"""

from __future__ import annotations

import difflib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Interface
from types import FrameType
from typing import TextIO

from ..lab.clock import SimClock
from ..lab.network import Network, NsHandle
from ..lab.scheduler import Scheduler
from ..netfilter.skb import Skb
from ..packet import wire
from ..packet.headers import Packet
from ..programs.base import Io, SimpleHost
from ..programs.iptables_restore import iptables_restore_main
from ..programs.iptables_save import iptables_save_main
from ..stack.ip import Fate
from ..stack.transport import Transport
from .fuzz_gen import A_ADDRS, B_ADDRS, Case, case
from .host import KernelUnavailable, require_programs, require_root
from .runner import Interrupted

GAP = 0.02  # seconds between a case's packets, and after the last one, on the kernel


@dataclass(frozen=True)
class Result:
    counters: str  # iptables-save -c of b, comments dropped
    replies: tuple[str, ...]  # per packet sent, what b sent back (summaries joined by ' ')


def summary(packet: Packet) -> str:
    ip, l4 = packet.ip, packet.l4
    text = f"{ip.src}>{ip.dst}"
    if packet.tcp is not None:
        return f"{text} tcp {packet.tcp.sport}>{packet.tcp.dport} flags={int(packet.tcp.flags):#x}"
    if packet.udp is not None:
        return f"{text} udp {packet.udp.sport}>{packet.udp.dport}"
    if packet.icmp is not None:
        return f"{text} icmp {packet.icmp.type}/{packet.icmp.code}"
    return f"{text} proto {ip.proto}" + ("" if l4 is None else " ?")


def normalise_save(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if line and not line.startswith("#"))


# -- the simulator ------------------------------------------------------------------------


def _sim_host(network: Network, sched: Scheduler, name: str) -> NsHandle:
    host = network.new_namespace(name)
    host.netns.set_up("lo", True)
    host.transport = Transport(host.netns, sched, random.Random(host.netns.id))
    host.transport.attach(host.ip)
    return host


def simulate(c: Case) -> Result:
    sched = Scheduler(SimClock(0.0))
    network = Network(sched)
    a = _sim_host(network, sched, "a")
    b = _sim_host(network, sched, "b")
    network.veth_pair(a, "eth0", b, "eth0")
    for ns, addrs in ((a, A_ADDRS), (b, B_ADDRS)):
        for addr in addrs:
            ns.netns.add_address("eth0", IPv4Interface(f"{addr}/24"))
        ns.netns.set_up("eth0", True)
    sent: list[str] = []

    def capture(skb: Skb, fate: Fate) -> None:
        if fate.kind == "sent" and fate.reason == "eth0":
            sent.append(summary(skb.packet))

    b.ip.observer = capture
    host = SimpleHost(netfilter=b.netns.netfilter)
    io = Io(stdin=c.rules)
    status = iptables_restore_main(["iptables-restore"], io, host)
    if status:
        raise RuntimeError(f"simulated iptables-restore failed: {io.combined}")
    replies = []
    for packet in c.packets:
        sent.clear()
        a.ip.local_out(packet)
        sched.advance(GAP)
        replies.append(" ".join(sent))
    io = Io()
    iptables_save_main(["iptables-save", "-c"], io, host)
    return Result(normalise_save(io.stdout), tuple(replies))


# -- the kernel ---------------------------------------------------------------------------

# Runs in namespace a: reads one packet (hex) a line, sends it with a raw socket, then
# prints the IPv4 packets that came in on eth0 within GAP seconds (hex, space separated).
_HELPER = r"""
import socket, sys, time
gap = float(sys.argv[1])
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
cap.bind(("eth0", 0x0800))
cap.setblocking(False)
print("ready", flush=True)
for line in sys.stdin:
    while True:
        try: cap.recv(65535)
        except BlockingIOError: break
    data = bytes.fromhex(line.strip())
    raw.sendto(data, (socket.inet_ntoa(data[16:20]), 0))
    end, got = time.monotonic() + gap, []
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(left, 0.002))
        while True:
            try: pkt, addr = cap.recvfrom(65535)
            except BlockingIOError: break
            if addr[2] == socket.PACKET_HOST: got.append(pkt.hex())
    print(" ".join(got), flush=True)
"""


def _sh(argv: list[str], stdin: str = "") -> str:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=20)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv[:6])}...: {done.stderr.strip()}")
    return done.stdout


class KernelPair:
    """Namespaces a and b on the real kernel, a veth pair between them."""

    def __init__(self) -> None:
        self.a, self.b = f"nflab-fz-{os.getpid()}-a", f"nflab-fz-{os.getpid()}-b"
        self.helper: subprocess.Popen[str] | None = None

    def _in(self, ns: str, *argv: str) -> list[str]:
        return ["nsenter", f"--net=/run/netns/{ns}", "--", *argv]

    def create(self) -> None:
        _remove_stale()
        for ns in (self.a, self.b):
            _sh(["ip", "netns", "add", ns])
        _sh(["ip", "-n", self.a, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0",
             "netns", self.b])
        macs = {}
        for ns, addrs in ((self.a, A_ADDRS), (self.b, B_ADDRS)):
            for key, value in (("ipv6/conf/all/disable_ipv6", "1"), ("ipv6/conf/default/disable_ipv6", "1"),
                               ("ipv4/icmp_ratelimit", "0"), ("ipv4/icmp_msgs_per_sec", "1000000"),
                               ("ipv4/icmp_msgs_burst", "1000000")):
                _sh(self._in(ns, "sh", "-c", f"echo {value} > /proc/sys/net/{key}"))
            for addr in addrs:
                _sh(["ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0"])
            for dev in ("lo", "eth0"):
                _sh(["ip", "-n", ns, "link", "set", dev, "up"])
            macs[ns] = json.loads(_sh(["ip", "-n", ns, "-j", "link", "show", "eth0"]))[0]["address"]
        for ns, peer, addrs in ((self.a, self.b, B_ADDRS), (self.b, self.a, A_ADDRS)):
            for addr in addrs:  # no ARP: the first packet of a run is not held back
                _sh(["ip", "-n", ns, "neigh", "replace", addr, "lladdr", macs[peer], "dev", "eth0",
                     "nud", "permanent"])
        self.helper = subprocess.Popen(
            self._in(self.a, sys.executable, "-c", _HELPER, str(GAP)),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.helper.stdout is not None
        if self.helper.stdout.readline().strip() != "ready":
            raise RuntimeError("the packet sender in namespace a did not start")

    def destroy(self) -> None:
        if self.helper is not None:
            if self.helper.stdin is not None:
                self.helper.stdin.close()
            try:
                self.helper.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.helper.kill()
                self.helper.wait()
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)

    def run(self, c: Case) -> Result:
        assert self.helper is not None and self.helper.stdin and self.helper.stdout
        _sh(self._in(self.b, "iptables-restore"), c.rules)
        replies = []
        for packet in c.packets:
            self.helper.stdin.write(wire.emit(packet).hex() + "\n")
            self.helper.stdin.flush()
            got = self.helper.stdout.readline().split()
            replies.append(" ".join(summary(wire.parse(bytes.fromhex(h), strict=False)) for h in got))
        return Result(normalise_save(_sh(self._in(self.b, "iptables-save", "-c"))), tuple(replies))


def _remove_stale() -> None:
    """The pairs of fuzz runs that were killed (their process is gone)."""
    names = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    for name in names:
        found = re.fullmatch(r"nflab-fz-(\d+)-[ab]", name)
        if found and not os.path.exists(f"/proc/{found.group(1)}"):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)


@contextmanager
def kernel_pair() -> Iterator[KernelPair]:
    """The pair, removed however the run ends (a signal ends it like Ctrl-C)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)  # nflab's exit status: 128 + signum

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    pair = KernelPair()
    try:
        pair.create()
        yield pair
    finally:
        pair.destroy()
        for s, handler in old.items():
            signal.signal(s, handler)


# -- the run ------------------------------------------------------------------------------


def describe(c: Case, sim: Result, real: Result) -> str:
    lines = [f"divergence: seed {c.seed} case {c.number}", "ruleset:", c.rules.rstrip()]
    lines += [f"packet {i + 1}: {summary(p)}" for i, p in enumerate(c.packets)]
    if sim.counters != real.counters:
        diff = difflib.unified_diff(sim.counters.splitlines(), real.counters.splitlines(),
                                    "simulated", "kernel", lineterm="", n=1)
        lines += ["iptables-save -c:", *diff]
    for i, (x, y) in enumerate(zip(sim.replies, real.replies, strict=True)):
        if x != y:
            lines.append(f"replies to packet {i + 1}: sim [{x}] kernel [{y}]")
    return "\n".join(lines) + "\n"


def fuzz(seed: int, count: int, out: TextIO, start: int = 0,
         kernel: Callable[[Case], Result] | None = None) -> list[int]:
    """Run cases start..start+count-1; print each divergence; the numbers of the divergent ones."""
    bad: list[int] = []
    began = time.monotonic()
    with kernel_pair() if kernel is None else _given(kernel) as pair:
        run = pair.run if isinstance(pair, KernelPair) else pair
        for n in range(start, start + count):
            c = case(seed, n)
            try:
                sim, real = simulate(c), run(c)
            except (RuntimeError, OSError) as error:  # a ruleset one side refused, a helper gone
                bad.append(n)
                out.write(f"divergence: seed {seed} case {n}: {error}\n{c.rules}")
                continue
            if sim != real:
                bad.append(n)
                out.write(describe(c, sim, real))
                out.flush()
            if (n - start + 1) % 1000 == 0:
                out.write(f"... {n - start + 1} cases, {len(bad)} diverge\n")
                out.flush()
    took = time.monotonic() - began
    out.write(f"seed {seed}: {count} cases in {took:.1f} s ({count / max(took, 1e-9):.1f}/s), "
              f"{len(bad)} diverge{': ' + ' '.join(map(str, bad)) if bad else ''}\n")
    return bad


@contextmanager
def _given(kernel: Callable[[Case], Result]) -> Iterator[Callable[[Case], Result]]:
    yield kernel


def fuzz_command(seed: int, count: int, start: int, out: TextIO, err: TextIO) -> int:
    """``nflab fuzz``: 0 all cases agree, 1 some diverge, 2 this host cannot run it."""
    try:
        require_root(os.geteuid())
        require_programs([])
    except KernelUnavailable as why:
        err.write(f"nflab: {why}\n")
        return 2
    return 1 if fuzz(seed, count, out, start) else 0
