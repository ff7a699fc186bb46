"""``tcpdump`` (4.99.3): capture on one interface of the namespace, print or write frames.

The banner and the final counts go to stderr; the packet lines to stdout,
block-buffered like any stdio stream into a file or pipe (flushed when the
capture ends). The program runs until ``-c COUNT`` frames were captured or
it is killed (a background capture at the end of a lab).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lab.scheduler import Signal
from ..packet.capture import Capture, listening_banner, summary_lines
from ..packet.ethernet import Frame
from ..packet.filter import FilterError
from .base import Io
from .system import NotSimulated, System


def tcpdump_main(argv: Sequence[str], io: Io, system: System) -> int:
    args = list(argv[1:])
    iface = ""
    count: int | None = None
    link_level = False
    write_file: str | None = None
    words: list[str] = []
    while args:
        word = args.pop(0)
        if word.startswith("-") and len(word) > 1 and not words:
            flags = word[1:]
            while flags:
                flag, flags = flags[0], flags[1:]
                if flag in "icw":
                    value = flags or (args.pop(0) if args else None)
                    flags = ""
                    if value is None:
                        io.err(f"tcpdump: option requires an argument -- '{flag}'\n")
                        return 1
                    if flag == "i":
                        iface = value
                    elif flag == "c":
                        if not value.isdigit() or int(value) <= 0:
                            io.err(f"tcpdump: invalid packet count {value}\n")
                            return 1
                        count = int(value)
                    else:
                        write_file = value
                elif flag == "n":
                    pass
                elif flag == "e":
                    link_level = True
                elif flag in "lU":
                    pass  # line buffering options: nflab's lines are complete anyway
                else:
                    raise NotSimulated(f"tcpdump -{flag}")
        else:
            words.append(word)
    if write_file is not None:
        raise NotSimulated("tcpdump -w")
    ns = getattr(system, "ns", None)
    process = getattr(system, "process", None)
    if ns is None or process is None:
        raise NotSimulated("tcpdump outside a lab machine")
    netns = ns.netns
    if not iface:
        raise NotSimulated("tcpdump without -i")
    device = netns.interfaces.get(iface)
    if device is None:
        io.err(f"tcpdump: {iface}: No such device exists\n(No such device exists)\n")
        return 1
    if not device.admin_up:
        io.err(f"tcpdump: {iface}: That device is not up\n")
        return 1
    try:
        capture = Capture.start(" ".join(words), link_level=link_level, count=count)
    except FilterError as err:
        io.err(f"tcpdump: {err}\n")
        return 1
    for line in listening_banner(iface):
        io.err(line + "\n")
    machine = system.machine  # type: ignore[attr-defined]
    scheduler = machine.scheduler
    arrived = Signal(scheduler)
    received = [0]

    def tap(frame: Frame) -> None:
        if capture.predicate(frame):
            received[0] += 1
        line = capture.offer(machine.clock.now, frame)
        if line is not None:
            io.out(line + "\n")
        arrived.notify()

    remove = machine.network.wires.add_tap(ns, iface, tap)
    try:
        while not capture.done:
            process.wait([arrived])
    finally:
        remove()
        io.flush()
        for line in summary_lines(capture.captured, max(received[0], capture.captured)):
            io.err(line + "\n")
    return 0

