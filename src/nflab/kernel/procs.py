"""The host's process table, as kernel mode needs it: find a lab's processes, end them, wait.

Every process a lab starts carries ``NFLAB_RUN=<run>`` and
``NFLAB_MACHINE=<machine>`` in its environment, which its children inherit
(``ip netns exec``, servers, shells). A process that cleared its environment
is still found by the namespaces it lives in. Nothing here kills by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

RUN_VAR = "NFLAB_RUN"
MACHINE_VAR = "NFLAB_MACHINE"


@dataclass(frozen=True, slots=True)
class Marker:
    """Which processes belong: a run (and a machine of it), or namespaces (by nsfs inode)."""

    run: str
    machine: str | None = None
    namespaces: frozenset[int] = frozenset()

    def matches(self, pid: int) -> bool:
        env = _environ(pid)
        if env.get(RUN_VAR) == self.run and self.machine in (None, env.get(MACHINE_VAR)):
            return True
        return bool(self.namespaces) and not self.namespaces.isdisjoint(namespace_inodes(pid))


def _pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def _environ(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs}


def namespace_inodes(pid: int) -> set[int]:
    """The nsfs inodes of a process's network, mount and UTS namespaces."""
    inodes = set()
    for kind in ("net", "mnt", "uts"):
        with contextlib.suppress(OSError):
            inodes.add(os.stat(f"/proc/{pid}/ns/{kind}").st_ino)
    return inodes


def _stat_fields(pid: int) -> list[str]:
    """``/proc/PID/stat`` after the command name: state is [0], session [3], start time [19]."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return []
    return stat[stat.rfind(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot): with the pid, its identity."""
    fields = _stat_fields(pid)
    return int(fields[19]) if len(fields) > 19 else None


def alive(pid: int, started: int | None = None) -> bool:
    fields = _stat_fields(pid)
    if not fields or fields[0] in ("Z", "X"):
        return False
    return started is None or (len(fields) > 19 and int(fields[19]) == started)


def in_sessions(sessions: Collection[int]) -> list[int]:
    return [pid for pid in _pids() if (f := _stat_fields(pid)) and len(f) > 3 and int(f[3]) in sessions]


def find(marker: Marker) -> list[int]:
    me = os.getpid()
    return [pid for pid in _pids() if pid != me and marker.matches(pid)]


def end(pids: Iterable[int], sessions: Iterable[int] = (), grace: float = 0.5) -> None:
    """SIGTERM the processes and session process groups, SIGKILL what is left after ``grace``."""
    pids, sessions = set(pids), set(sessions)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for session in sessions:
            _send(os.killpg, session, sig)
        for pid in pids:
            _send(os.kill, pid, sig)
        deadline = time.monotonic() + (grace if sig == signal.SIGTERM else 2.0)
        while time.monotonic() < deadline:
            if not any(alive(p) for p in pids | set(in_sessions(sessions))):
                return
            time.sleep(0.02)


def _send(kill: Callable[[int, int], None], target: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        kill(target, sig)


# -- is a background job ready? ---------------------------------------------------------------

_TCP_READY = {"0A", "01"}  # LISTEN (a server), ESTABLISHED (a client)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _table(pid: int, name: str) -> list[list[str]]:
    try:
        with open(f"/proc/{pid}/net/{name}") as f:
            return [line.split() for line in f.readlines()[1:]]
    except OSError:
        return []


def ready_socket(pid: int) -> str | None:
    """``"inet"`` when the process holds a listening/connected TCP or a UDP socket,
    ``"packet"`` for a packet socket (a capture), else None. Read in its own namespace."""
    inodes = _socket_inodes(pid)
    if not inodes:
        return None
    for name in ("tcp", "tcp6", "udp", "udp6"):
        for row in _table(pid, name):
            if len(row) > 9 and row[9] in inodes and (name.startswith("udp") or row[3] in _TCP_READY):
                return "inet"
    if any(row and row[-1] in inodes for row in _table(pid, "packet")):
        return "packet"
    return None


def wait_ready(session: int, limit: float, finished: Callable[[], bool]) -> None:
    """Wait until a background job serves or captures, or ``finished()``, at most ``limit`` s.

    A server started with ``&`` must be listening before the next line
    connects to it, as it would be by the time a person typed that line.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not finished():
        kinds = {ready_socket(pid) for pid in in_sessions({session})}
        if "inet" in kinds:
            return
        if "packet" in kinds:  # the socket exists; give the capture filter time to attach
            time.sleep(0.2)
            return
        time.sleep(0.02)
