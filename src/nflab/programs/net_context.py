"""What network programs (curl, ping, the web server) need of the machine they run on.

On a lab machine ``system`` is a :class:`nflab.lab.context.Context`: its
namespace's transport, the simulated process the program blocks in, and
the world's clock. A machine without them (the iptables-only hosts of unit
tests) cannot run these programs.
"""

from __future__ import annotations

from typing import Any

from ..lab.scheduler import Process
from ..stack.ports import IPAddress
from ..stack.sockets import SocketApi
from .system import NotSimulated, System


def _context(system: System) -> Any:
    if not hasattr(system, "ns") or not hasattr(system, "require_process"):
        raise NotSimulated("network programs on a machine without a network stack")
    return system


def socket_api(system: System) -> SocketApi:
    """The program's own view of its namespace's sockets (it blocks in its process)."""
    ctx = _context(system)
    return SocketApi(ctx.ns.transport, ctx.require_process())


def process(system: System) -> Process:
    process: Process = _context(system).require_process()
    return process


def wall_clock(system: System) -> float:
    """``time()``: seconds since the epoch on the simulated wall clock."""
    now: float = _context(system).machine.clock.now
    return now


def has_address(system: System, device: str, addr: IPAddress) -> bool:
    """Whether the interface ``device`` of the program's namespace carries ``addr``."""
    iface = _context(system).ns.netns.interfaces.get(device)
    return iface is not None and bool(iface.has_address(addr))



# seconds: longer than a simulated round trip to a machine at hand (two veth hops)
REFUSAL_WAIT = 0.005


def await_refusal(api: SocketApi, sock: Any) -> None:
    """After a datagram left a connected UDP socket: on a link at hand the kernel knows
    whether it was refused (an ICMP port unreachable) before send() returns, the softirq
    running within the syscall. The simulated wire takes a moment, so wait that long at
    most; the socket's next call reports the refusal, as it would on Linux."""
    api.select([sock], [], [], REFUSAL_WAIT)
