"""The world of a lab: named machines sharing one simulated clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..stack.interfaces import Interface
from .clock import SimClock
from .files import FsError
from .machine import Machine
from .network import Network
from .scheduler import Scheduler

MACHINE_NAME = re.compile(r"[a-z][a-z0-9-]*")


class LabError(Exception):
    """A lab command that cannot be carried out (bad name, unknown machine...)."""


@dataclass
class World:
    clock: SimClock = field(default_factory=SimClock)
    machines: dict[str, Machine] = field(default_factory=dict)
    # each machine's ends of ``lab# connect`` cables, in the order they were plugged,
    # with the name ``connect`` gave them
    cables: dict[str, list[tuple[str, Interface]]] = field(default_factory=dict)
    scheduler: Scheduler = field(init=False)
    network: Network = field(init=False)

    def __post_init__(self) -> None:
        self.scheduler = Scheduler(self.clock)
        self.network = Network(self.scheduler)

    def add_machine(self, name: str) -> Machine:
        if not MACHINE_NAME.fullmatch(name) or name == "lab":
            raise LabError(f"bad machine name: {name}")
        if name in self.machines:
            raise LabError(f"machine {name} exists")
        machine = Machine.fresh(name, self.clock, self.scheduler, self.network)
        self.machines[name] = machine
        return machine

    def machine(self, name: str) -> Machine:
        try:
            return self.machines[name]
        except KeyError:
            raise LabError(f"no such machine: {name}") from None

    def copy_in(self, name: str, path: str, text: str) -> None:
        """Put a file from outside (beside the transcript) into a machine."""
        machine = self.machine(name)
        target = machine.fs.resolve(path, machine.cwd)
        try:
            machine.fs.write(target, text)
        except FsError as err:
            raise LabError(f"copy: {path}: {err.strerror}") from None

    def sleep(self, seconds: float) -> None:
        """Let time pass: timers fire, background processes run."""
        self.scheduler.advance(seconds)

    def connect(self, a: str, a_if: str, b: str, b_if: str) -> None:
        """``lab# connect A:IF B:IF``: a cable, i.e. a veth pair between two machines."""
        ma, mb = self.machine(a), self.machine(b)
        for m, ifname in ((ma, a_if), (mb, b_if)):
            if ifname in m.netns.netns.interfaces:
                raise LabError(f"connect: {m.name} already has an interface {ifname}")
        end_a, end_b = self.network.veth_pair(ma.netns, a_if, mb.netns, b_if)
        self.cables.setdefault(a, []).append((a_if, end_a))
        self.cables.setdefault(b, []).append((b_if, end_b))

    def shutdown(self) -> None:
        """End of the lab: stop every process."""
        self.scheduler.shutdown()
