"""Runs on this host: their state under ``/run/nflab``, who owns them, leftovers, nf_log.

Each kernel-mode lab is a *run* named ``nflab-<pid>`` (the pid of the nflab
process). Its machines' network namespaces are ``/run/netns/nflab-<pid>-<machine>``
and its files ``/run/nflab/nflab-<pid>/``, whose ``owner`` file holds the
pid and start time of the process that made it. A run whose owner is gone
(killed, crashed, powered off) is a leftover: the next run and ``nflab clean``
remove it: its processes, namespaces, mounts and files.

``/run/nflab`` is bind-mounted on itself with private propagation: the
machines' mount and UTS namespaces are kept alive by bind mounts of their
nsfs files there, which the kernel allows only on a non-shared mount
(``ip netns`` does the same for ``/run/netns``).

``net.netfilter.nf_log_all_netns`` is 1 while any run lives, so that LOG
rules log from the machines' namespaces; the value it had before the first
run is kept in ``/run/nflab/nf_log_all_netns.saved`` and put back when the
last run ends, or by ``nflab clean`` after a killed run.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from . import procs

ROOT = Path("/run/nflab")
LOCK = Path("/run/nflab.lock")
NETNS_DIR = Path("/run/netns")
NF_LOG = Path("/proc/sys/net/netfilter/nf_log_all_netns")
_SAVED = "nf_log_all_netns.saved"
_RUN_NAME = re.compile(r"nflab-\d+")
_NETNS_OF_RUN = re.compile(r"(nflab-\d+)[-.]")


class StateError(Exception):
    """The host refused an operation kernel mode needs (a mount, a namespace)."""


@dataclass(frozen=True, slots=True)
class Run:
    """One lab's names and folder."""

    name: str  # nflab-<pid>
    root: Path = ROOT

    @property
    def path(self) -> Path:
        return self.root / self.name

    def netns(self, machine: str) -> str:
        """The name of a machine's network namespace in ``/run/netns``."""
        return f"{self.name}-{machine}"

    @property
    def hold_netns(self) -> str:
        """Where cables wait while a machine reboots (``.`` cannot occur in machine names)."""
        return f"{self.name}.hold"

    def machine_dir(self, machine: str) -> Path:
        return self.path / "m" / machine


def sh(argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a host command, stdout and stderr together; StateError when it fails and ``check``."""
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        raise StateError(f"{' '.join(argv)}: {err}") from None
    if check and done.returncode != 0:
        raise StateError(f"{' '.join(argv)}: {done.stdout.strip()}")
    return done


def mount_points() -> list[str]:
    """Every mount point of nflab's mount namespace (``/proc/self/mountinfo``, unescaped)."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), p) for p in points]


def unmount_below(path: Path) -> None:
    """Detach every mount at or below ``path``, deepest first."""
    prefix = str(path).rstrip("/") + "/"
    for point in sorted((p for p in mount_points() if p == str(path) or p.startswith(prefix)), reverse=True):
        sh(["umount", "-l", point], check=False)


@contextmanager
def locked() -> Iterator[None]:
    """One process at a time creates or removes runs (runs themselves go on in parallel)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _owner_alive(path: Path) -> bool:
    try:
        pid, started = (int(x) for x in (path / "owner").read_text().split())
    except (OSError, ValueError):
        return False
    return procs.alive(pid, started)


def _netns_names() -> list[str]:
    try:
        return sorted(os.listdir(NETNS_DIR))
    except OSError:
        return []


def _runs_on_host(root: Path) -> set[str]:
    """The runs that have a folder or a namespace on this host, alive or not."""
    names = {p.name for p in root.iterdir() if _RUN_NAME.fullmatch(p.name)} if root.is_dir() else set()
    names |= {m.group(1) for n in _netns_names() if (m := _NETNS_OF_RUN.match(n))}
    return names


def live_runs(root: Path = ROOT) -> list[str]:
    return sorted(n for n in _runs_on_host(root) if _owner_alive(root / n))


def open_run(root: Path = ROOT) -> Run:
    """Remove leftovers, then make this process's run: its folder, owner, nf_log on."""
    run = Run(f"nflab-{os.getpid()}", root)
    with locked():
        _remove_dead(root, also=run.name)
        _private_mount(root)
        run.path.mkdir(parents=True)
        (run.path / "owner").write_text(f"{os.getpid()} {procs.start_time(os.getpid())}\n")
        _nf_log_on(root)
    return run


def close_run(run: Run) -> None:
    """Remove the run (processes, namespaces, mounts, files); the last run restores nf_log."""
    with locked():
        remove_run(run.name, run.root)
        _settle(run.root)


def clean(root: Path = ROOT) -> list[str]:
    """``nflab clean``: remove every run whose owner is gone; the names removed."""
    with locked():
        removed = _remove_dead(root)
        _settle(root)
    return removed


def _remove_dead(root: Path, also: str | None = None) -> list[str]:
    dead = sorted(n for n in _runs_on_host(root) if n == also or not _owner_alive(root / n))
    for name in dead:
        remove_run(name, root)
    return dead


def remove_run(name: str, root: Path = ROOT) -> None:
    """End the run's processes, delete its namespaces, unmount and delete its files."""
    path = root / name
    netns = [n for n in _netns_names() if _NETNS_OF_RUN.match(n) and n.startswith(name) and n[len(name)] in "-."]
    inodes = set()
    for file in [NETNS_DIR / n for n in netns] + list(path.glob("m/*/ns.*")):
        with suppress(OSError):
            inodes.add(os.stat(file).st_ino)
    procs.end(procs.find(procs.Marker(name, namespaces=frozenset(inodes))))
    for n in netns:
        sh(["ip", "netns", "delete", n], check=False)
    unmount_below(path)
    shutil.rmtree(path, ignore_errors=True)


def _settle(root: Path) -> None:
    """With no run left: nf_log back to what it was, ``/run/nflab`` unmounted."""
    if live_runs(root):
        return
    saved = root / _SAVED
    if saved.exists():
        with suppress(OSError):
            NF_LOG.write_text(saved.read_text())
        saved.unlink()
    if str(root) in mount_points():
        sh(["umount", "-l", str(root)], check=False)
    with suppress(OSError):
        root.rmdir()  # only when empty


def _private_mount(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    if str(root) not in mount_points():
        sh(["mount", "--bind", str(root), str(root)])
    sh(["mount", "--make-private", str(root)])


def _nf_log_on(root: Path) -> None:
    try:
        current = NF_LOG.read_text().strip()
    except OSError:
        return  # no netfilter logging in this kernel: LOG rules will fail on their own
    if current != "1":
        saved = root / _SAVED
        if not saved.exists():
            saved.write_text(current + "\n")
        NF_LOG.write_text("1\n")
