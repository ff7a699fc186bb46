"""A simulated machine: its files, its network namespaces, the world's clock.

A fresh machine looks like one ``kernel-run`` creates: a Debian 12 host
whose ``/etc/hosts`` names it, with iptables-persistent installed
(``/etc/iptables/``, ``/etc/default/netfilter-persistent``), ``/tmp``,
``/var/log`` and root's home ``/root`` (the working directory of every
command). Programs see it through the :class:`~nflab.programs.base.Host`
protocol: ``netfilter`` and ``names`` are those of its initial namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

from ..iptables.names import Names
from ..netfilter.state import NetfilterState
from .clock import SimClock
from .files import Filesystem, NullDevice
from .journal import Journal
from .kernel_log import KernelLog
from .network import Network, NsHandle
from .procfs import proc_mounts
from .scheduler import Scheduler

HOME = "/root"

DIRECTORIES = (
    "/bin", "/dev", "/etc", "/etc/default", "/etc/iptables", "/root", "/sbin", "/tmp",
    "/usr", "/usr/bin", "/usr/sbin", "/var", "/var/log",
)  # fmt: skip


def _hosts(name: str) -> str:
    """Debian's /etc/hosts with the machine's own name on 127.0.1.1."""
    return (
        "127.0.0.1\tlocalhost\n"
        f"127.0.1.1\t{name}\n"
        "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
        "ff02::1\t\tip6-allnodes\n"
        "ff02::2\t\tip6-allrouters\n"
    )


def _netbase(file: str) -> str:
    return resources.files("nflab").joinpath("data", file).read_text()


def default_filesystem(name: str) -> Filesystem:
    fs = Filesystem()
    for d in DIRECTORIES:
        fs.mkdir(d, parents=True)
    fs.devices["/dev/null"] = NullDevice()
    fs.write("/etc/hostname", name + "\n")
    fs.write("/etc/hosts", _hosts(name))
    fs.write("/etc/services", _netbase("services"))
    fs.write("/etc/protocols", _netbase("protocols"))
    # iptables-persistent is installed (hence /etc/iptables): its configuration file
    fs.write("/etc/default/netfilter-persistent", _netbase("netfilter-persistent"))
    return fs


@dataclass
class Machine:
    name: str
    clock: SimClock
    fs: Filesystem
    scheduler: Scheduler
    network: Network
    namespaces: dict[str, NsHandle] = field(default_factory=dict)
    cwd: str = HOME
    _views: dict[str, Filesystem] = field(default_factory=dict, repr=False)
    kernel_log: KernelLog = field(default_factory=lambda: KernelLog(lambda: 0.0))
    journal: Journal = field(default_factory=lambda: Journal("", lambda: 0.0))

    @classmethod
    def fresh(
        cls, name: str, clock: SimClock, scheduler: Scheduler | None = None, network: Network | None = None
    ) -> Machine:
        scheduler = scheduler or Scheduler(clock)
        network = network or Network(scheduler)
        fs = default_filesystem(name)
        fs.clock = lambda: clock.now  # files record when they were written
        machine = cls(name, clock, fs, scheduler, network)
        machine.journal = Journal(name, lambda: clock.now)
        machine.start_kernel(boot_at=0.0)  # the lab's machines all came up as it started
        return machine

    def start_kernel(self, boot_at: float) -> None:
        """The kernel starts (at ``boot_at`` on the scheduler's clock): an empty kernel
        log counting uptime from then, one network namespace with only ``lo``."""
        self.kernel_log = KernelLog(lambda: self.scheduler.now - boot_at)
        self.namespaces = {"": self.network.new_namespace(self.name, self.kernel_log.write)}
        self._views.clear()

    def namespace(self, name: str) -> NsHandle:
        return self.namespaces[name]

    def add_namespace(self, name: str) -> NsHandle:
        """``ip netns add NAME``: a fresh namespace, only ``lo``, down."""
        handle = self.network.new_namespace(f"{self.name}:{name}", self.kernel_log.write)
        self.namespaces[name] = handle
        return handle

    def remove_namespace(self, name: str) -> None:
        """``ip netns delete NAME``: the name goes, and the namespace with it unless a
        process still runs in it: then it stays, nameless, until the last one exits
        (its veth ends, and their peers outside, stay too)."""
        handle = self.namespaces.pop(name)
        if not handle.processes:
            self.network.remove_namespace(handle)

    def enter_namespace(self, name: str) -> NsHandle:
        """A process enters namespace ``name`` (``setns``) and holds it while it runs."""
        handle = self.namespaces[name]
        handle.processes += 1
        return handle

    def leave_namespace(self, handle: NsHandle) -> None:
        """The process has exited: a namespace whose name is gone goes with its last one."""
        handle.processes -= 1
        if not handle.processes and all(h is not handle for h in self.namespaces.values()):
            self.network.remove_namespace(handle)

    def fs_for(self, ns_name: str) -> Filesystem:
        """The files as a process in namespace ``ns_name`` sees them (its /proc/sys/net)."""
        view = self._views.get(ns_name)
        if view is None:
            device, directory = proc_mounts(
                lambda: self.namespace(ns_name).netns, lambda: self.scheduler.now
            )
            view = self._views[ns_name] = self.fs.with_mounts([device], [directory])
        return view

    @property
    def netns(self) -> NsHandle:
        return self.namespaces[""]

    # -- the Host protocol ---------------------------------------------------------

    @property
    def netfilter(self) -> NetfilterState:
        return self.netns.netns.netfilter

    @property
    def names(self) -> Names:
        """The resolver as glibc would answer from this machine's own /etc files."""
        return Names(
            services_text=self._etc("/etc/services"),
            protocols_text=self._etc("/etc/protocols"),
            hosts_text=self._etc("/etc/hosts"),
        )

    def now_ctime(self) -> str:
        return self.clock.ctime()

    def _etc(self, path: str) -> str:
        return self.fs.files.get(path, "")
