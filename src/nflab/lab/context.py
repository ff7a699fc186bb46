"""What a running program sees: its machine, its network namespace, its own process.

A :class:`Context` is the :class:`~nflab.programs.system.System` handed to a
program. ``ip netns exec NS CMD`` runs CMD with the same machine in another
namespace; ``CMD &`` runs it as a new process. Programs that block (sockets,
sleeps) do so through ``process``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..iptables.names import Names
from ..netfilter.state import NetfilterState
from .files import Filesystem
from .scheduler import Process

if TYPE_CHECKING:
    from .machine import Machine
    from .network import NsHandle


@dataclass(frozen=True)
class Context:
    machine: Machine
    ns_name: str = ""  # "" is the machine's initial namespace
    process: Process | None = None
    cwd: str = "/root"
    ns_handle: NsHandle | None = None  # the namespace entered, even once its name is deleted

    # -- the Host/System protocols ---------------------------------------------------------

    @property
    def ns(self) -> NsHandle:
        if self.ns_handle is not None:
            return self.ns_handle
        return self.machine.namespace(self.ns_name)

    @property
    def netfilter(self) -> NetfilterState:
        return self.ns.netns.netfilter

    @property
    def names(self) -> Names:
        return self.machine.names

    @property
    def fs(self) -> Filesystem:
        return self.machine.fs_for(self.ns_name)

    def now_ctime(self) -> str:
        return self.machine.clock.ctime()

    # -- derived contexts --------------------------------------------------------------

    def in_netns(self, name: str) -> Context:
        return replace(self, ns_name=name, ns_handle=self.machine.namespace(name))

    def spawn(self, name: str, body: Callable[[Context], int]) -> Process:
        """Start a process running ``body`` (a background job, a server)."""
        scheduler = self.machine.scheduler

        def run(proc: Process) -> int:
            return body(replace(self, process=proc))

        return scheduler.spawn(name, run, owner=self.machine)

    def require_process(self) -> Process:
        if self.process is None:
            raise RuntimeError("a blocking call outside a simulated process")
        return self.process
