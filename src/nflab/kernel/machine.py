"""One lab machine on the real kernel: three namespaces and a folder of private files.

- a **network namespace** ``/run/netns/nflab-<pid>-<machine>`` (``ip netns add``);
- a **mount namespace** (bound to ``<machine>/ns.mnt``) in which the machine has
  its own ``/etc`` (an overlay on the host's: reads fall through, every write
  lands in the machine's folder, and ``/etc/iptables`` and ``/etc/netns``
  start empty), its own ``/tmp``, ``/var/log`` and ``/root``, a ``/sys`` of
  its network namespace, and an empty tmpfs on ``/run/netns``. ``ip netns
  add NS`` on the machine therefore creates a real namespace that only this
  machine sees, with the real ``ip`` program and no rewriting of its
  arguments or output (``ip netns list``, ``exec``, ``link set ... netns NS``
  and the nsids it prints are the kernel's own);
- a **UTS namespace** (``<machine>/ns.uts``) whose hostname is the machine's name.

Commands run as ``nsenter`` into the three, then ``/bin/bash -c LINE`` in ``/root``.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import kmsg
from .host import MACHINE_PATH
from .procs import MACHINE_VAR, RUN_VAR
from .state import Run, StateError, sh

HOME = "/root"
CTL = "/run/nflab"  # the machine's own control folder, as the machine sees it
# Folders the machine has its own of; the host's stay reachable in CTL/host (nflab's Python
# may live in /root/.pyenv, a virtual environment in /tmp...).
PRIVATE = ("/root", "/tmp", "/var/log")

# A fresh host has the kernel's defaults, whatever the host's own namespace passes on
# to new namespaces (net.core.devconf_inherit_init_net copies conf/all and conf/default).
KERNEL_DEFAULTS = {
    "ipv4/ip_forward": "0",
    **{f"ipv4/conf/{c}/{k}": v for c in ("all", "default") for k, v in (
        ("rp_filter", "0"), ("route_localnet", "0"), ("log_martians", "0"), ("proxy_arp", "0"),
        ("accept_redirects", "1"), ("send_redirects", "1"), ("arp_ignore", "0"), ("arp_announce", "0"),
    )},
}  # fmt: skip

_SETUP = r"""
set -e
D=$1
# a guard: this script must only ever run in the machine's new namespaces, not nflab's
for ns in mnt net uts; do
  if [ "$(stat -L -c %i /proc/self/ns/$ns)" = "$(stat -L -c %i /proc/$5/ns/$ns)" ]; then
    echo "nflab: machine setup is not in a new $ns namespace" >&2; exit 1
  fi
done
echo "$2" > /proc/sys/kernel/hostname
while read -r key value; do echo "$value" > "/proc/sys/net/$key"; done <<EOF
$3
EOF
umount -l /run/nflab
for dir in root tmp var/log; do mount --bind "/$dir" "$D/ctl/host/$dir"; done
mount -t overlay nflab-etc -o "lowerdir=/etc,upperdir=$D/etc,workdir=$D/etc.work" /etc
mount --bind "$D/tmp" /tmp
mount --bind "$D/log" /var/log
mount --bind "$D/root" /root
if [ -e /usr/bin/dmesg ]; then mount --bind "$4" /usr/bin/dmesg; fi
umount -l /sys
mount -t sysfs nflab-sys /sys
umount -l /run/netns 2>/dev/null || true
mount -t tmpfs -o mode=0755,size=1m nflab-netns /run/netns
mount --rbind "$D/ctl" /run/nflab
mount --bind /proc/self/ns/net /run/nflab/netns
"""


def _hosts(name: str) -> str:
    """Debian's /etc/hosts with the machine's own name on 127.0.1.1 (as simulated machines have)."""
    return (
        "127.0.0.1\tlocalhost\n"
        f"127.0.1.1\t{name}\n"
        "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
        "ff02::1\t\tip6-allnodes\n"
        "ff02::2\t\tip6-allrouters\n"
    )


def _opaque(path: Path) -> None:
    """An overlay upper folder that hides the host's folder of the same name."""
    path.mkdir(parents=True, exist_ok=True)
    os.setxattr(path, "trusted.overlay.opaque", b"y")


@dataclass
class KernelMachine:
    run: Run
    name: str

    @property
    def netns(self) -> str:
        return self.run.netns(self.name)

    @property
    def folder(self) -> Path:
        return self.run.machine_dir(self.name)

    @property
    def mnt(self) -> Path:
        return self.folder / "ns.mnt"

    @property
    def uts(self) -> Path:
        return self.folder / "ns.uts"

    # -- life ------------------------------------------------------------------------------

    def create(self, dmesg_program: Path, bin_dir: Path) -> None:
        """Make the namespaces; the files only the first time (a reboot keeps them)."""
        if not self.folder.exists():
            self._files(bin_dir)
        (self.folder / "ctl" / "dmesg.mark").write_text(f"{kmsg.last_sequence()}\n")
        sh(["ip", "netns", "add", self.netns])
        for file in (self.mnt, self.uts):
            file.touch()
        defaults = "\n".join(f"{k} {v}" for k, v in KERNEL_DEFAULTS.items())
        sh([
            "nsenter", f"--net=/run/netns/{self.netns}", "--",
            "unshare", f"--mount={self.mnt}", f"--uts={self.uts}", "--propagation", "private", "--",
            "/bin/sh", "-c", _SETUP, "setup", str(self.folder), self.name, defaults, str(dmesg_program),
            str(os.getpid()),
        ])  # fmt: skip

    def _files(self, bin_dir: Path) -> None:
        d = self.folder
        for sub in ("etc.work", "tmp", "log", "root", "ctl"):
            (d / sub).mkdir(parents=True)
        (d / "tmp").chmod(0o1777)
        (d / "root").chmod(0o700)
        etc = d / "etc"
        _opaque(etc / "iptables")
        _opaque(etc / "netns")
        (etc / "hostname").write_text(self.name + "\n")
        (etc / "hosts").write_text(_hosts(self.name))
        # no DNS server in a lab: names come from /etc/hosts, other lookups fail at once
        (etc / "resolv.conf").write_text("# nflab lab machine: names come from /etc/hosts\nnameserver 127.0.0.1\n")
        for netbase in ("services", "protocols"):  # the files simulated machines have
            (etc / netbase).write_text(resources.files("nflab").joinpath("data", netbase).read_text())
        (d / "ctl" / "netns").touch()
        for private in PRIVATE:
            (d / "ctl" / "host" / private.lstrip("/")).mkdir(parents=True)
        shutil.copytree(bin_dir, d / "ctl" / "bin", symlinks=True)

    def destroy(self) -> None:
        """Drop the namespaces (their processes must be gone); the files stay."""
        for file in (self.mnt, self.uts):
            sh(["umount", "-l", str(file)], check=False)
            file.unlink(missing_ok=True)
        sh(["ip", "netns", "delete", self.netns], check=False)

    # -- running ---------------------------------------------------------------------------

    def argv(self, text: str) -> list[str]:
        """``/bin/bash -c TEXT`` on the machine."""
        return self.enter("/bin/bash", "-c", text)

    def enter(self, *program: str) -> list[str]:
        """A program run in the machine's namespaces, in root's home (``env -C`` changes to it
        once inside: nsenter's own ``--wd`` would open the host's folder of that name)."""
        return [
            "nsenter", f"--net=/run/netns/{self.netns}", f"--mount={self.mnt}", f"--uts={self.uts}",
            "--", "/usr/bin/env", "-C", HOME, *program,
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        """A root login's environment, marked so that every process of the machine can be found."""
        return {
            "PATH": f"{MACHINE_PATH}:{CTL}/bin",
            "HOME": HOME, "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash",
            "LANG": "C.UTF-8", "TERM": "dumb",
            RUN_VAR: self.run.name, MACHINE_VAR: self.name,
        }  # fmt: skip

    def ip(self, *args: str, check: bool = True) -> str:
        """``ip -n NETNS ARGS``: iproute2 on this machine's namespace, never the host's."""
        done = sh(["ip", "-n", self.netns, *args], check=False)
        if check and done.returncode != 0:
            raise StateError(done.stdout.strip())
        return done.stdout

    def has_link(self, ifname: str) -> bool:
        return sh(["ip", "-n", self.netns, "link", "show", "dev", ifname], check=False).returncode == 0


def in_machine(path: str | Path) -> str:
    """Where a host file is seen from inside the machines."""
    path = str(path)
    for private in PRIVATE:
        if path == private or path.startswith(private + "/"):
            return f"{CTL}/host{path}"
    return path


def machine_python() -> str:
    """nflab's Python interpreter, as a machine runs it: the real file (a virtual environment's
    ``bin/python`` is a link that may point into the host's /root), nflab found by PYTHONPATH."""
    return in_machine(os.path.realpath(sys.executable))


def machine_programs(folder: Path) -> tuple[Path, Path]:
    """Write the run's ``dmesg`` and ``bin/`` (``test-iptables-server``): (dmesg, bin folder).

    ``dmesg`` is bind-mounted over the machine's ``/usr/bin/dmesg``; ``bin/``
    comes last in the machines' PATH. Both run nflab's own Python, told where nflab is
    (a Python started from its folder as seen in the machine may not find its site-packages).
    """
    import sysconfig

    import nflab

    python = machine_python()
    source = in_machine(Path(nflab.__file__).resolve().parent.parent)  # even when not installed
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    dmesg = folder / "dmesg"
    _script(dmesg, f"PYTHONPATH={source} exec {python} -m nflab.kernel.dmesg")
    console = Path(sysconfig.get_path("scripts")) / "test-iptables-server"
    if console.is_file():  # nflab's console command, as installed with nflab
        _script(bin_dir / "test-iptables-server", f"PYTHONPATH={source} exec {python} {in_machine(console)}")
    else:  # not installed (yet): the same program from nflab's sources
        _script(
            bin_dir / "test-iptables-server",
            f"PYTHONPATH={source} exec {python} -m nflab.programs.test_iptables_server",
        )
    _script(bin_dir / "sudo", _SUDO, arguments="")
    return dmesg, bin_dir


# A lab machine's user is root: ``sudo CMD`` runs CMD (used only where the host has no sudo;
# the simulated machines' sudo says the same things).
_SUDO = """while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    -u|-g) [ $# -gt 1 ] && shift; shift ;;
    -*) shift ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then echo "usage: sudo COMMAND" >&2; exit 1; fi
if ! command -v "$1" >/dev/null 2>&1; then echo "sudo: $1: command not found" >&2; exit 1; fi
exec "$@"
"""


def _script(path: Path, command: str, arguments: str = ' "$@"') -> None:
    path.write_text(f"#!/bin/sh\n{command}{arguments}\n")
    path.chmod(0o755)
