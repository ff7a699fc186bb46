"""The kernel-mode :class:`~nflab.transcript.driver.Lab`: real namespaces, real programs, real time.

Safety: nflab never configures the host's own network namespace. Every
``ip`` it runs names a lab namespace (``ip -n``), cables are veth pairs
created inside a machine with the peer sent to the other machine, and no
namespace is ever connected to a real interface. Every wait is bounded: a
command is killed (its whole session) after ``timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from types import TracebackType

from ..lab.world import MACHINE_NAME, LabError
from . import procs, state
from .machine import KernelMachine, machine_programs, machine_python
from .state import StateError

# ``CMD &`` (not ``&&``, ``|&``, ``>&`` or an escaped ``\&``): a background job
_BACKGROUND = re.compile(r"(?s)(.*?)(?<![&|>\\])&\s*")
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_RESTORE_RULES = "if [ -f /etc/iptables/rules.v4 ]; then iptables-restore < /etc/iptables/rules.v4; fi"
_COPY = (
    "import sys\n"
    "try:\n"
    "    with open(sys.argv[1], 'wb') as f:\n"
    "        f.write(sys.stdin.buffer.read())\n"
    "except OSError as err:\n"
    "    sys.exit(err.strerror)\n"
)


class KernelLab:
    """A run's machines. Use it as a context manager: leaving it removes everything it made."""

    def __init__(self, timeout: float = 60.0, ready_limit: float = 2.0):
        self.timeout = timeout
        self.ready_limit = ready_limit
        self.machines: dict[str, KernelMachine] = {}
        self.jobs: dict[str, list[subprocess.Popen[bytes]]] = {}  # per machine, background jobs
        self.cables: dict[str, list[str]] = {}  # per machine, its cable ends' names
        self.run_state = state.open_run()
        try:
            self.dmesg, self.bin = machine_programs(self.run_state.path)
        except BaseException:
            state.close_run(self.run_state)
            raise

    def __enter__(self) -> KernelLab:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """End every process, delete every namespace and file of the run.

        Ctrl-C, SIGTERM and SIGHUP wait until this is done (they are blocked meanwhile).
        """
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            for name in self.machines:
                self._end(name)
            state.close_run(self.run_state)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    # -- the Lab protocol ------------------------------------------------------------------

    def has_machine(self, name: str) -> bool:
        return name in self.machines

    def machine(self, name: str) -> KernelMachine:
        try:
            return self.machines[name]
        except KeyError:
            raise LabError(f"no such machine: {name}") from None

    def add_machine(self, name: str) -> None:
        if not MACHINE_NAME.fullmatch(name) or name == "lab":
            raise LabError(f"bad machine name: {name}")
        if name in self.machines:
            raise LabError(f"machine {name} exists")
        machine = KernelMachine(self.run_state, name)
        self.machines[name] = machine  # registered first: a half-made machine is still removed
        self.jobs[name], self.cables[name] = [], []
        try:
            machine.create(self.dmesg, self.bin)
        except StateError as err:
            raise LabError(f"cannot create machine {name}: {err}") from None

    def connect(self, a: str, a_if: str, b: str, b_if: str) -> None:
        ma, mb = self.machine(a), self.machine(b)
        for m, ifname in ((ma, a_if), (mb, b_if)):
            if m.has_link(ifname):
                raise LabError(f"connect: {m.name} already has an interface {ifname}")
        peer = ["netns", mb.netns] if mb is not ma else []
        try:
            ma.ip("link", "add", a_if, "type", "veth", "peer", "name", b_if, *peer)
        except StateError as err:
            raise LabError(f"connect: {err}") from None
        self.cables[a].append(a_if)
        self.cables[b].append(b_if)

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self.timeout))

    def copy_in(self, machine: str, path: str, data: bytes) -> None:
        argv = self.machine(machine).enter(machine_python(), "-I", "-c", _COPY, path)
        done = subprocess.run(argv, input=data, capture_output=True, timeout=self.timeout)
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip()
            raise LabError(f"copy: {path}: {reason}")

    def reboot(self, name: str) -> None:
        """Power cycle: processes killed, namespaces made anew, files and cables kept,
        then what ``netfilter-persistent`` does at boot."""
        machine = self.machine(name)
        hold = self.run_state.hold_netns
        if hold not in state.sh(["ip", "netns", "list"]).stdout.split():
            state.sh(["ip", "netns", "add", hold])
        present = {link["ifname"] for link in json.loads(machine.ip("-j", "link", "show") or "[]")}
        moved = [ifname for ifname in self.cables[name] if ifname in present]
        try:
            for ifname in moved:  # out of the machine while it is down: the peer keeps its end
                machine.ip("link", "set", "dev", ifname, "netns", hold)
            self._end(name)
            machine.destroy()
            machine.create(self.dmesg, self.bin)
            for ifname in moved:
                state.sh(["ip", "-n", hold, "link", "set", "dev", ifname, "netns", machine.netns])
        except StateError as err:
            raise LabError(f"reboot {name}: {err}") from None
        self.cables[name] = moved
        output, status = self.run(name, _RESTORE_RULES)
        if status:
            raise LabError(f"reboot {name}: iptables-restore < /etc/iptables/rules.v4 failed:\n{output}")

    def run(self, machine: str, text: str) -> tuple[str, int]:
        m = self.machine(machine)
        background = _BACKGROUND.fullmatch(text)
        if background is not None:
            self._background(m, background.group(1))
            return "", 0
        proc = subprocess.Popen(
            m.argv(text), env=m.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        output = self._collect(proc)
        status = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
        return output, status

    # -- helpers ---------------------------------------------------------------------------

    def _background(self, machine: KernelMachine, text: str) -> None:
        """Started in its own session, its output discarded; ready once it listens or captures."""
        proc = subprocess.Popen(
            machine.argv(text), env=machine.env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.jobs[machine.name].append(proc)
        procs.wait_ready(proc.pid, self.ready_limit, lambda: proc.poll() is not None)

    def _collect(self, proc: subprocess.Popen[bytes]) -> str:
        try:
            out, _ = proc.communicate(timeout=self.timeout)
            return out.decode("utf-8", errors="replace")
        except subprocess.TimeoutExpired:
            pass
        procs.end([], [proc.pid], grace=0.2)
        try:
            out, _ = proc.communicate(timeout=2)
        except subprocess.TimeoutExpired:  # a process that left the session holds the pipe
            assert proc.stdout is not None
            proc.stdout.close()
            proc.wait(timeout=2)
            out = b""
        partial = out.decode("utf-8", errors="replace").rstrip()
        shown = f"; its output:\n{partial}" if partial else ""
        raise LabError(f"timed out after {self.timeout:g} s (killed){shown}")

    def _end(self, name: str) -> None:
        """Every process of one machine, found by its marks (not by process group: a group
        id seen earlier may belong to another program by now), then its jobs reaped."""
        machine = self.machines[name]
        marker = procs.Marker(self.run_state.name, name, frozenset(_inodes(machine)))
        procs.end(procs.find(marker), grace=0.3)
        for job in self.jobs[name]:
            with contextlib.suppress(subprocess.TimeoutExpired):
                job.wait(timeout=1)
        self.jobs[name] = []


def _inodes(machine: KernelMachine) -> set[int]:
    found = set()
    for file in (f"/run/netns/{machine.netns}", machine.mnt, machine.uts):
        with contextlib.suppress(OSError):
            found.add(os.stat(file).st_ino)
    return found
