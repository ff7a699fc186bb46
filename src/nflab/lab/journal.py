"""A machine's system journal (what ``journalctl`` reads): the messages of its boot services.

Debian keeps the journal on disk, so it survives a reboot; each entry
belongs to a boot, named by a boot id (deterministic here: made from the
machine's name and the boot's number). A service's output is logged line by
line under its program name and main PID; systemd's own messages about a
unit come from ``systemd[1]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class JournalEntry:
    boot: int  # 0 for the lab's first start of the machine, then one more per reboot
    realtime: float  # the wall clock (seconds since the epoch)
    identifier: str  # SYSLOG_IDENTIFIER: ``systemd``, ``netfilter-persistent``...
    pid: int
    unit: str  # the unit the entry is about (``_SYSTEMD_UNIT`` or ``UNIT``)
    message: str


@dataclass
class Journal:
    machine: str
    clock: Callable[[], float]  # the wall clock
    boot: int = 0
    entries: list[JournalEntry] = field(default_factory=list)

    def boot_id(self, boot: int) -> str:
        """The 128-bit id of a boot, as 32 hex digits."""
        return hashlib.md5(f"{self.machine}:{boot}".encode()).hexdigest()

    def new_boot(self) -> None:
        self.boot += 1

    def log(self, identifier: str, pid: int, unit: str, text: str) -> None:
        """Log ``text``, one entry per line (as journald reads a service's output stream)."""
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        now = self.clock()
        for line in lines:
            self.entries.append(JournalEntry(self.boot, now, identifier, pid, unit, line))
