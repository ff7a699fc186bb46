"""Simulated time and processes: one event queue for a whole lab.

Events run in (time, order of scheduling) order, so a run is deterministic.
A simulated process is ordinary blocking Python code (a program written
against the socket API) running in its own thread; exactly one thread runs
at any moment: the scheduler hands a process the baton and waits until the
process blocks (on a socket, a sleep, a child) or exits. Blocking means
waiting for a :class:`Signal` or a timeout in simulated time.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .clock import SimClock


class ProcessKilled(BaseException):
    """Raised inside a process's thread to unwind it (``kill``, end of the lab)."""


@dataclass(slots=True)
class _Event:
    when: float
    seq: int
    action: Callable[[], None]
    cancelled: bool = False


class Signal:
    """Something processes wait for (data arrived, a connection completed...)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.waiters: list[Process] = []

    def notify(self) -> None:
        waiters, self.waiters = self.waiters, []
        for proc in waiters:
            self.scheduler.wake(proc)


def _gate() -> threading.Lock:
    """A semaphore that starts at 0 and never counts above 1 (every release of the baton
    or of a process's turn is matched by one acquire): a lock taken at once, released by
    the other thread. A plain lock hands over about three times faster than
    ``threading.Semaphore``, which is a Condition written in Python."""
    lock = threading.Lock()
    lock.acquire()
    return lock


class Process:
    """A simulated process: a thread that runs only while it holds the baton."""

    def __init__(
        self, scheduler: Scheduler, name: str, body: Callable[[Process], int], owner: object = None
    ) -> None:
        self.scheduler = scheduler
        self.name = name
        self.owner = owner  # the machine the process runs on (a reboot kills its processes)
        self.pid = scheduler.next_pid()
        self.body = body
        self.status: int | None = None
        self.exited = Signal(scheduler)
        self._go = _gate()
        self._killed = False
        self._woken = False
        self._thread = threading.Thread(target=self._main, name=f"nflab-{name}-{self.pid}", daemon=True)
        self._started = False

    @property
    def alive(self) -> bool:
        return self.status is None

    def _main(self) -> None:
        self._go.acquire()
        status = 0
        try:
            if self._killed:
                raise ProcessKilled()
            status = self.body(self)
        except ProcessKilled:
            status = 128 + 15
        except BaseException as exc:  # a program bug must not hang the lab
            self.scheduler.crashes.append((self.name, exc))
            status = 70
        self.status = status
        self.scheduler._baton.release()

    # -- called by the scheduler (outside the process) ----------------------------

    def _resume(self) -> None:
        if not self.alive:
            return
        if not self._started:
            self._started = True
            self._thread.start()
        self._go.release()
        self.scheduler._baton.acquire()
        if not self.alive:
            self._thread.join()
            self.exited.notify()

    # -- called inside the process ---------------------------------------------------

    def wait(self, signals: list[Signal], timeout: float | None = None) -> bool:
        """Block until one of ``signals`` fires (True) or ``timeout`` simulated seconds pass (False)."""
        for s in signals:
            s.waiters.append(self)
        timer = None
        if timeout is not None:
            timer = self.scheduler.call_later(timeout, self._time_out)
        self._woken = False
        self._timed_out = False
        self._yield()
        for s in signals:
            if self in s.waiters:
                s.waiters.remove(self)
        if timer is not None:
            timer.cancelled = True
        return not self._timed_out

    def sleep(self, seconds: float) -> None:
        self.wait([], seconds)

    def _time_out(self) -> None:
        """The wait's timer expired: run at once, ahead of the kernel timers due at the
        same instant (poll() and nanosleep() use precise hrtimers; TCP's retransmission
        timer sits on the timer wheel and fires a little late)."""
        if self._woken or not self.alive:
            return
        self._woken = True
        self._timed_out = True
        self._resume()

    def _yield(self) -> None:
        self.scheduler._baton.release()
        self._go.acquire()
        if self._killed:
            raise ProcessKilled()

    def kill(self) -> None:
        if self.alive:
            self._killed = True
            self.scheduler.wake(self)


class Scheduler:
    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.start = clock.now
        # (when, seq, event): tuples compare in C, ordered by time then by scheduling order
        self._queue: list[tuple[float, int, _Event]] = []
        self._seq = itertools.count()
        self._pids = itertools.count(1000)
        self._baton = _gate()
        self.processes: list[Process] = []
        self.crashes: list[tuple[str, BaseException]] = []

    @property
    def now(self) -> float:
        """Seconds since the lab started (the machines' uptime clock)."""
        return self.clock.now - self.start

    def next_pid(self) -> int:
        return next(self._pids)

    def call_later(self, delay: float, action: Callable[[], None]) -> _Event:
        event = _Event(self.clock.now + max(0.0, delay), next(self._seq), action)
        heapq.heappush(self._queue, (event.when, event.seq, event))
        return event

    def call_soon(self, action: Callable[[], None]) -> _Event:
        return self.call_later(0.0, action)

    def spawn(self, name: str, body: Callable[[Process], int], owner: object = None) -> Process:
        proc = Process(self, name, body, owner)
        self.processes.append(proc)
        self.call_soon(proc._resume)
        return proc

    def wake(self, proc: Process, timed_out: bool = False) -> None:
        if proc._woken or not proc.alive:
            return
        proc._woken = True
        proc._timed_out = timed_out
        self.call_soon(proc._resume)

    def _next_time(self) -> float | None:
        while self._queue and self._queue[0][2].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def step(self) -> bool:
        """Run the next event; False when there is none."""
        when = self._next_time()
        if when is None:
            return False
        event = heapq.heappop(self._queue)[2]
        if event.when > self.clock.now:
            self.clock.advance(event.when - self.clock.now)
        event.action()
        return True

    def run_until(self, done: Callable[[], bool], limit: float) -> bool:
        """Run events until ``done()``, or until ``limit`` simulated seconds have passed
        (the clock then stands at the limit); True if done."""
        deadline = self.clock.now + limit
        while not done():
            when = self._next_time()
            if when is None or when > deadline:
                if deadline > self.clock.now:
                    self.clock.advance(deadline - self.clock.now)
                return done()
            self.step()
        return True

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass, running every event due."""
        self.run_until(lambda: False, seconds)

    def terminate(self, owner: object) -> None:
        """Kill every process of ``owner`` now (a machine going down): each unwinds (its
        ``finally`` blocks run, as a killed process's files close) before this returns."""
        for proc in self.processes:
            if proc.owner is not owner or not proc.alive:
                continue
            proc._killed = True
            if not proc._started:
                proc.status = 128 + 15  # killed before it ever ran
            else:
                while proc.alive:  # unwinding may block again: each time, it raises again
                    proc._go.release()
                    self._baton.acquire()
                proc._thread.join()
            proc.exited.notify()

    def shutdown(self) -> None:
        """Kill every process still running (the end of a lab)."""
        for proc in self.processes:
            if proc.alive and proc._started:
                proc._killed = True
                proc._go.release()
                self._baton.acquire()
                proc._thread.join()
        self.processes.clear()
        self._queue.clear()
