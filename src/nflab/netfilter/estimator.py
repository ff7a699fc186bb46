"""A rate estimator (``net/core/gen_estimator.c``): what ``-j RATEEST`` feeds and
``-m rateest`` reads.

Every ``2**interval / 4`` seconds (``interval`` from -2 to 3) the estimator
folds the bytes and packets seen since the last tick into exponentially
weighted averages (weight ``2**-ewma_log``), kept in units of 1/256 per
second. Time is passed in; ticks are computed lazily, counted from the moment
the estimator was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_U64 = 2**64


@dataclass
class RateEstimator:
    interval: int  # the kernel's ``params.interval``: tick every 2**interval / 4 s
    ewma_log: int
    started: float = 0.0
    bytes: int = 0
    packets: int = 0
    _ticks: int = field(default=0, repr=False)
    _last_bytes: int = field(default=0, repr=False)
    _last_packets: int = field(default=0, repr=False)
    _avbps: int = field(default=0, repr=False)
    _avpps: int = field(default=0, repr=False)

    @property
    def period(self) -> float:
        return 2.0 ** (self.interval + 2) / 4

    def add(self, length: int, now: float) -> None:
        """Count one packet of ``length`` bytes (``xt_rateest_tg``)."""
        self.advance(now)
        self.bytes += length
        self.packets += 1

    def advance(self, now: float) -> None:
        """Run the ticks (``est_timer``) due up to ``now``."""
        due = int((now - self.started) // self.period)
        shift = 10 - (self.interval + 2)
        while self._ticks < due:
            self._ticks += 1
            self._avbps = self._fold(self._avbps, self.bytes - self._last_bytes, shift)
            self._avpps = self._fold(self._avpps, self.packets - self._last_packets, shift)
            self._last_bytes, self._last_packets = self.bytes, self.packets

    def _fold(self, average: int, delta: int, shift: int) -> int:
        # u64 arithmetic as in est_timer: ``av += (delta << s >> ewma) - (av >> ewma)``
        rate = (delta << shift) >> self.ewma_log
        return (average + rate - (average >> self.ewma_log)) % _U64

    def rates(self, now: float) -> tuple[int, int]:
        """(bytes per second, packets per second) as ``gen_estimator_read`` gives them."""
        self.advance(now)
        return self._avbps >> 8, self._avpps >> 8
