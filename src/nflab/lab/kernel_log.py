"""A machine's kernel ring buffer (what ``dmesg`` reads): lines with their uptime stamps.

All namespaces of a machine log to it, as if ``net.netfilter.nf_log_all_netns``
were 1 (kernel-mode labs turn it on, so both worlds show the same lines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

BOOT_UPTIME = 5.0  # the uptime at which a lab's machines are ready (seconds)


@dataclass(frozen=True, slots=True)
class LogLine:
    uptime: float
    level: int
    text: str


@dataclass
class KernelLog:
    clock: Callable[[], float]  # seconds since the lab started
    lines: list[LogLine] = field(default_factory=list)

    def write(self, level: int, text: str) -> None:
        self.lines.append(LogLine(BOOT_UPTIME + self.clock(), level, text))

    def clear(self) -> None:
        self.lines.clear()
