"""When a kernel timer (``struct timer_list``) fires: the buckets of the timer wheel.

``mod_timer(timer, jiffies + delta)`` files a timer in a level of the wheel
chosen by ``delta`` (level n holds deltas from ``63 << 3(n-1)`` jiffies on,
in buckets ``8**n`` jiffies wide), and ``calc_index`` rounds the expiry up to
the next bucket boundary, so that a timer never fires early and often fires
a little late. TCP's retransmission, delayed-ACK and TIME_WAIT timers are
such timers: at HZ=250 a 1 s SYN retransmission fires 4 to 32 ms after the
second, later than a ``poll()`` timeout of the same second (an hrtimer), so
``nc -w 1`` gives up before its SYN is sent again.
"""

from __future__ import annotations

HZ = 250  # CONFIG_HZ of Debian's kernels (and of the reference machine)
LVL_CLK_SHIFT = 3
LVL_SIZE = 64
LVL_DEPTH = 9


def wheel_delay(now: float, delay: float) -> float:
    """The seconds from ``now`` until a timer armed now for ``delay`` seconds runs."""
    jiffies = int(now * HZ)
    delta = max(0, round(delay * HZ))  # the kernel's timeouts are whole jiffies
    level = 0
    while level < LVL_DEPTH - 1 and delta >= (LVL_SIZE - 1) << (level * LVL_CLK_SHIFT):
        level += 1
    shift = level * LVL_CLK_SHIFT
    fires = (((jiffies + delta) >> shift) + 1) << shift
    return max(0.0, fires / HZ - now)
