"""``dmesg`` (util-linux 2.38): the machine's kernel log, ``[uptime] line``."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Io
from .system import NotSimulated, System


def dmesg_main(argv: Sequence[str], io: Io, system: System) -> int:
    machine = getattr(system, "machine", None)
    if machine is None:
        raise NotSimulated("dmesg outside a lab machine")
    clear = False
    for arg in argv[1:]:
        if arg in ("-c", "--read-clear"):
            clear = True
        elif arg in ("-C", "--clear"):
            machine.kernel_log.clear()
            return 0
        else:
            raise NotSimulated(f"dmesg {arg}")
    for line in machine.kernel_log.lines:
        # ``print_record``: ``[%5ld.%06ld] `` of the monotonic stamp
        seconds = int(line.uptime)
        micros = int(round((line.uptime - seconds) * 1_000_000))
        io.out(f"[{seconds:5d}.{micros:06d}] {line.text}\n")
    if clear:
        machine.kernel_log.clear()
    return 0
