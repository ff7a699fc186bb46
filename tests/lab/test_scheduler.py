"""The cooperative scheduler: blocking code in threads, one at a time, simulated time."""

from nflab.lab.clock import SimClock
from nflab.lab.scheduler import Process, Scheduler, Signal


def test_processes_interleave_deterministically_in_simulated_time() -> None:
    sched = Scheduler(SimClock(0.0))
    log: list[tuple[float, str]] = []
    ready = Signal(sched)
    box: list[str] = []

    def producer(proc: Process) -> int:
        proc.sleep(2.5)
        box.append("hello")
        log.append((sched.now, "sent"))
        ready.notify()
        return 0

    def consumer(proc: Process) -> int:
        while not box:
            assert proc.wait([ready], timeout=10)
        log.append((sched.now, "got " + box[0]))
        return 3

    c = sched.spawn("consumer", consumer)
    p = sched.spawn("producer", producer)
    assert sched.run_until(lambda: not c.alive, limit=60)
    assert log == [(2.5, "sent"), (2.5, "got hello")]
    assert (c.status, p.status) == (3, 0)


def test_wait_times_out_and_kill_unwinds() -> None:
    sched = Scheduler(SimClock(0.0))
    never = Signal(sched)
    results: list[bool] = []

    def waiter(proc: Process) -> int:
        results.append(proc.wait([never], timeout=1.0))
        proc.wait([never])  # forever
        return 0

    w = sched.spawn("waiter", waiter)
    assert not sched.run_until(lambda: not w.alive, limit=5)
    assert results == [False]
    assert sched.now == 5
    w.kill()
    sched.run_until(lambda: not w.alive, limit=1)
    assert w.status == 143
    sched.shutdown()


def test_crash_is_reported_not_hung() -> None:
    sched = Scheduler(SimClock(0.0))

    def broken(proc: Process) -> int:
        raise RuntimeError("boom")

    b = sched.spawn("broken", broken)
    sched.run_until(lambda: not b.alive, limit=1)
    assert b.status == 70 and sched.crashes[0][0] == "broken"


def test_a_timed_out_wait_runs_before_a_timer_due_at_the_same_instant() -> None:
    """poll()'s timeout is an hrtimer; a kernel timer (TCP retransmission) set later for the
    same instant fires after it: ``nc -w 2`` closes its socket before a third SYN leaves."""
    sched = Scheduler(SimClock(0.0))
    log: list[str] = []
    never = Signal(sched)

    def waiter(proc: Process) -> int:
        proc.wait([never], timeout=2.0)
        log.append("process")
        return 0

    w = sched.spawn("waiter", waiter)
    sched.call_later(1.0, lambda: sched.call_later(1.0, lambda: log.append("timer")))
    assert sched.run_until(lambda: not w.alive and len(log) == 2, limit=5)
    assert log == ["process", "timer"]
    assert sched.now == 2.0
