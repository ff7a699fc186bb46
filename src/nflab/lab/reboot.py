"""``lab# reboot MACHINE``: the machine restarts; its files stay, its runtime state goes.

In order, as the kernel mode does it with real namespaces:

1. The machine's cable ends (its ends of ``lab# connect``) that are in its initial
   namespace under their own name are unplugged: taken out of the namespace (the
   device closes and loses its addresses, routes and bridge), the other end keeps its
   side and loses its carrier. A cable end renamed, moved into a namespace of the
   machine, or deleted dies with the namespaces, and its peer with it (a veth pair
   goes as a whole).
2. Every process of the machine is killed.
3. All its network namespaces go: interfaces, routes, neighbours, sysctls, conntrack,
   both iptables backends' tables; ``ip netns add`` names are forgotten.
4. A new kernel starts: one namespace with ``lo`` (down), an empty kernel log whose
   uptime counts from now. The cable ends plugged back in arrive down and unaddressed,
   with their MAC address, MTU and (when free) interface index.
5. The boot services run (:mod:`.boot`): ``netfilter-persistent`` loads
   ``/etc/iptables/rules.v4``. What they print goes to the machine's journal.

Files (``/etc``, ``/tmp``, ``/var/log``, ``/root``) are kept, and so is the journal.
No simulated time passes beyond what the boot services' commands take.
"""

from __future__ import annotations

from ..stack import linkops
from ..stack.interfaces import Interface
from ..stack.linkstate import refresh, settle_bridges
from .boot import run_boot_services
from .machine import Machine
from .world import World


def reboot(world: World, name: str) -> None:
    machine = world.machine(name)
    unplugged = unplug_cables(world, machine)
    world.scheduler.terminate(machine)
    for handle in list(machine.namespaces.values()):
        world.network.remove_namespace(handle)
    # an end whose peer was in one of those namespaces went with it
    plugged = [(n, end) for n, end in unplugged if end.peer_iface is not None]
    machine.journal.new_boot()
    machine.start_kernel(boot_at=world.scheduler.now)
    initial = machine.netns.netns
    for _, end in plugged:
        initial.attach_interface(end)
    world.cables[name] = plugged
    run_boot_services(machine)


def unplug_cables(world: World, machine: Machine) -> list[tuple[str, Interface]]:
    """Take the machine's live cable ends out of its initial namespace; they are returned
    in the order they were plugged. The others are forgotten (they go with the namespaces)."""
    initial = machine.netns.netns
    plugged: list[tuple[str, Interface]] = []
    for name, end in world.cables.get(machine.name, []):
        if initial.interfaces.get(name) is not end or end.peer_iface is None:
            continue
        peer = end.peer_iface
        other = linkops.peer_netns(end, world.network.resolve)
        had_carrier = end.admin_up and peer.admin_up
        initial.detach_interface(end.name)
        if other is not None and other is not initial and had_carrier:
            refresh(other, peer)  # the peer's carrier went when this end closed
            settle_bridges(other)
        plugged.append((name, end))
    return plugged
