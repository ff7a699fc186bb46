"""A machine built from a rule set dump and interface addresses, for ``nflab trace``.

No lab transcript: one simulated machine (``fw``) gets the interfaces of
``--interfaces`` (up, with their addresses and the routes they bring),
``--route`` routes (as ``ip route add`` takes them), ``--sysctl`` settings
(IP forwarding is on unless set otherwise: a dump is usually a router's),
and the dump loaded with ``iptables-restore``. Packets are then injected,
arriving on an interface or sent by the machine itself, and traced.
Every problem with the set-up is a :class:`SetupError` with a one-line message.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from ipaddress import IPv4Interface

from ..lab.context import Context
from ..lab.machine import Machine
from ..lab.tracing import LabTrace
from ..lab.world import World
from ..netfilter.conntrack import ESTABLISHED, Tuple
from ..netfilter.ctview import CtStatus
from ..netfilter.skb import Skb
from ..packet.headers import Packet
from ..programs.base import Io
from ..stack.interfaces import LinkKind
from ..stack.netns import NetnsError
from .analysis import build_report
from .flows import flow_of
from .packetspec import PacketSpec
from .report import Report

MACHINE = "fw"
SETTLE = 0.001  # simulated seconds to let loopback deliveries and answers happen


class SetupError(Exception):
    """The machine cannot be built as asked (the message says which option and why)."""


@dataclass
class Setup:
    ruleset: str = ""  # the dump's text ("" for no rules)
    ruleset_name: str = "-"
    interfaces: str = ""  # eth0=10.0.0.1/24,eth1=192.168.1.1/24,eth2
    routes: list[str] = field(default_factory=list)
    sysctls: list[str] = field(default_factory=list)
    flavour: str = "nft"


def parse_interfaces(text: str) -> list[tuple[str, IPv4Interface | None]]:
    out: list[tuple[str, IPv4Interface | None]] = []
    for item in (i.strip() for i in text.split(",")):
        if not item:
            continue
        name, sep, addr = item.partition("=")
        if not name or len(name) > 15 or any(c in name for c in "/: ") or name == "lo":
            raise SetupError(f"--interfaces: `{item}`: bad interface name `{name}`")
        if not sep:
            out.append((name, None))
            continue
        try:
            out.append((name, IPv4Interface(addr if "/" in addr else addr + "/32")))
        except ValueError:
            raise SetupError(f"--interfaces: `{item}`: not an IPv4 address/prefix") from None
    if not out:
        raise SetupError("--interfaces: no interface given (e.g. 'eth0=10.0.0.1/24,eth1')")
    return out


class OfflineMachine:
    def __init__(self, setup: Setup):
        self.world = World()
        self.machine: Machine = self.world.add_machine(MACHINE)
        self.handle = self.machine.netns
        netns = self.handle.netns
        netns.set_up("lo", True)
        for name, addr in parse_interfaces(setup.interfaces):
            if name not in netns.interfaces:
                netns.add_interface(name, LinkKind.VETH)
                netns.set_up(name, True)
            if addr is not None:
                try:
                    netns.add_address(name, addr)
                except NetnsError as err:
                    raise SetupError(f"--interfaces: {name}={addr}: {err}") from None
        self._sysctl("net.ipv4.ip_forward=1")
        for text in setup.sysctls:
            self._sysctl(text)
        for text in setup.routes:
            self._route(text)
        if setup.ruleset:
            self._restore(setup)

    @property
    def interfaces(self) -> list[str]:
        return [n for n in self.handle.netns.interfaces if n != "lo"]

    def _sysctl(self, text: str) -> None:
        name, sep, value = text.partition("=")
        name = name.strip().replace("/", ".")
        sysctls = self.handle.netns.sysctls
        if not sep or not sysctls.exists(name):
            raise SetupError(f"--sysctl: `{text}`: expected NAME=VALUE with a net.* name "
                             "this kernel has")
        try:
            sysctls.write(name, value.strip())
        except Exception as err:  # SysctlError: EINVAL for a bad value
            raise SetupError(f"--sysctl: `{text}`: invalid value ({err})") from None

    def _route(self, text: str) -> None:
        from ..programs.ip import ip_main

        io = Io()
        if ip_main(["ip", "route", "add", *shlex.split(text)], io, Context(self.machine)) != 0:
            message = io.combined.strip().splitlines()[0] if io.combined.strip() else "failed"
            raise SetupError(f"--route: `{text}`: {message}")

    def _restore(self, setup: Setup) -> None:
        from ..programs.iptables_restore import iptables_restore_main

        io = Io(stdin=setup.ruleset)
        program = f"iptables-{setup.flavour}-restore"
        if iptables_restore_main([program], io, Context(self.machine)) != 0:
            lines = [line for line in io.combined.splitlines() if line.strip()]
            raise SetupError(f"--ruleset {setup.ruleset_name}: {' '.join(lines[:2]) or 'failed'}")

    # -- packets ----------------------------------------------------------------------------

    def check(self, spec: PacketSpec) -> None:
        if spec.in_iface and spec.in_iface not in self.handle.netns.interfaces:
            known = ", ".join(self.interfaces)
            raise SetupError(f"packet: in {spec.in_iface}: no such interface (known: {known})")

    def inject(self, spec: PacketSpec) -> None:
        """Send one packet: arriving on its interface, or from the machine itself."""
        self.check(spec)
        if spec.established:
            self.establish(spec.packet)
        if spec.in_iface:
            self.receive(spec.packet, spec.in_iface, spec.src_mac)
        else:
            self.handle.ip.local_out(spec.packet, Skb(spec.packet, mark=spec.mark))
        self.world.scheduler.advance(SETTLE)

    def receive(self, packet: Packet, dev: str, src_mac: bytes | None = None) -> None:
        iface = self.handle.netns.interfaces[dev]
        mac = src_mac if src_mac is not None else bytes.fromhex("020000000001")
        skb = Skb(packet, in_iface=dev, src_mac=mac)
        skb.mac_header = iface.mac + mac + b"\x08\x00"
        self.handle.ip.receive(packet, dev, skb)

    def establish(self, packet: Packet) -> None:
        """A confirmed, answered connection for the packet's flow (``established``)."""
        flow = flow_of(packet)
        table = self.handle.netns.conntrack
        tup = Tuple(flow.proto, flow.src, flow.dst, flow.sport, flow.dport)
        if packet.icmp is not None:
            tup = Tuple(flow.proto, flow.src, flow.dst, flow.sport,
                        packet.icmp.type * 256 + packet.icmp.code)
        if table.find(tup, self.world.scheduler.now) is not None:
            return
        conn = table.new_conn(tup)
        conn.status |= CtStatus.SEEN_REPLY | CtStatus.ASSURED
        conn.tcp_state = ESTABLISHED if packet.tcp is not None else None
        conn.expires = self.world.scheduler.now + 432000
        table.confirm(conn)

    def trace(self, specs: list[PacketSpec]) -> Report:
        for spec in specs:
            self.check(spec)
        running = LabTrace(self.world.network)
        try:
            for spec in specs:
                self.inject(spec)
        finally:
            recorded = running.stop()
        return build_report(recorded, closed=False)

    def close(self) -> None:
        self.world.shutdown()
