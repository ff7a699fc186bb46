"""curl's progress meter (lib/progress.c), written on stderr unless ``-s``.

The header comes with the first update; each update is a ``\\r`` and one
line of counters; a new line is shown only when the wall clock's second has
changed since the last one (curl polls at least once a second), except the
final, forced one, which ends with ``\\n``. Speeds and times follow
``progress_calc``/``progress_meter`` from the simulated clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import Io

HEADER = (
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n"
)
CURR_TIME = 6  # 5 seconds of history, plus one
_K = 1024


def max5data(n: int) -> str:
    """A size in at most 5 columns, with k, M, G... suffixes."""
    if n < 100000:
        return f"{n:5d}"
    if n < 10000 * _K:
        return f"{n // _K:4d}k"
    if n < 100 * _K**2:
        return f"{n // _K**2:2d}.{(n % _K**2) // (_K**2 // 10)}M"
    if n < 10000 * _K**2:
        return f"{n // _K**2:4d}M"
    if n < 100 * _K**3:
        return f"{n // _K**3:2d}.{(n % _K**3) // (_K**3 // 10)}G"
    if n < 10000 * _K**3:
        return f"{n // _K**3:4d}G"
    if n < 10000 * _K**4:
        return f"{n // _K**4:4d}T"
    return f"{n // _K**5:4d}P"


def time2str(seconds: int) -> str:
    if seconds <= 0:
        return "--:--:--"
    hours = seconds // 3600
    if hours <= 99:
        minutes, secs = divmod(seconds - hours * 3600, 60)
        return f"{hours:2d}:{minutes:02d}:{secs:02d}"
    days, hours = divmod(seconds, 86400)[0], (seconds % 86400) // 3600
    return f"{days:3d}d {hours:02d}h" if days <= 999 else f"{days:7d}d"


def trspeed(size: int, us: int) -> int:
    return size * 1000000 if us < 1 else size * 1000000 // us


@dataclass
class Meter:
    io: Io
    start: float  # wall clock seconds
    enabled: bool = True
    downloaded: int = 0
    size: int | None = None  # the expected download size, when known
    _lastshow: int | None = None
    _headers_out: bool = False
    _speeder: list[tuple[int, float]] = field(default_factory=list)
    _current: int = 0

    def update(self, now: float, forced: bool = False) -> None:
        """``Curl_pgrsUpdate``: a line when the second changed (or when forced)."""
        us = int(round((now - self.start) * 1e6))
        dlspeed = trspeed(self.downloaded, us)
        second = int(now)
        show = second != self._lastshow or forced
        if second != self._lastshow or forced:
            self._lastshow = second
            self._speeder.append((self.downloaded, now))
            self._speeder = self._speeder[-CURR_TIME:]
            if len(self._speeder) > 1:
                amount = self._speeder[-1][0] - self._speeder[0][0]
                span_ms = int((now - self._speeder[0][1]) * 1000) or 1
                self._current = amount * 1000 // span_ms
            else:
                self._current = dlspeed
        if self.enabled and show:
            self._line(us // 1000000, dlspeed)

    def done(self, now: float) -> None:
        """``Curl_pgrsDone``: the final update, then the end of the line."""
        self.update(now, forced=True)
        if self.enabled:
            self.io.err("\n")

    def _line(self, spent: int, dlspeed: int) -> None:
        if not self._headers_out:
            self._headers_out = True
            self.io.err(HEADER)
        dlpercent = estimate = 0
        if self.size is not None and dlspeed > 0:
            estimate = self.size // dlspeed
            if self.size > 10000:
                dlpercent = self.downloaded // (self.size // 100)
            elif self.size > 0:
                dlpercent = self.downloaded * 100 // self.size
        expected = self.size if self.size is not None else self.downloaded
        total_percent = 0
        if expected > 10000:
            total_percent = self.downloaded // (expected // 100)
        elif expected > 0:
            total_percent = self.downloaded * 100 // expected
        left = time2str(estimate - spent if estimate > 0 else 0)
        self.io.err(
            f"\r{total_percent:3d} {max5data(expected)}  {dlpercent:3d} "
            f"{max5data(self.downloaded)}  {0:3d} {max5data(0)}  {max5data(dlspeed)}  "
            f"{max5data(0)} {time2str(estimate)} {time2str(spent)} {left} "
            f"{max5data(self._current)}"
        )
