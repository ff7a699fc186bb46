"""The simulated wall clock shared by every machine of a world.

Time moves only when the lab says so (``lab# sleep``), so every run prints
the same dates. It starts at a fixed instant; the machines' time zone is UTC,
as on the real test host.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

# Tue Nov 14 22:13:20 2023 UTC: any fixed instant would do.
EPOCH_START = 1_700_000_000.0


@dataclass
class SimClock:
    now: float = EPOCH_START

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self.now += seconds

    def ctime(self) -> str:
        """``ctime(3)`` without the newline, in UTC: ``Tue Nov 14 22:13:20 2023``."""
        return time.asctime(time.gmtime(self.now))
