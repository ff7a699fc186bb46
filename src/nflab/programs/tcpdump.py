"""``tcpdump`` (4.99.3): capture on one interface of the namespace, print or write frames.

The banner and the final counts go to stderr; the packet lines to stdout,
block-buffered like any stdio stream into a file or pipe (flushed when the
capture ends). The program runs until ``-c COUNT`` frames were captured or
it is killed (a background capture at the end of a lab). ``-w FILE`` writes
a pcap file into the machine's files, ``-r FILE`` prints one
(:mod:`.tcpdump_file`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lab.files import FsError
from ..lab.scheduler import Signal
from ..packet.capture import Capture, listening_banner, summary_lines
from ..packet.ethernet import Frame, parse_frame
from ..packet.filter import FilterError, compile_filter
from ..packet.tcpdump import TcpdumpPrinter
from .base import Io
from .system import NotSimulated, System
from .tcpdump_file import PcapWriter, UnreadableCapture, read_capture, reading_banner


def tcpdump_main(argv: Sequence[str], io: Io, system: System) -> int:
    args = list(argv[1:])
    iface = ""
    count: int | None = None
    link_level = False
    write_file: str | None = None
    read_file: str | None = None
    packet_buffered = False
    line_buffered = False
    words: list[str] = []
    while args:
        word = args.pop(0)
        if word.startswith("-") and len(word) > 1 and not words:
            flags = word[1:]
            while flags:
                flag, flags = flags[0], flags[1:]
                if flag in "icwr":
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
                    elif flag == "r":
                        read_file = value
                    else:
                        write_file = value
                elif flag == "n":
                    pass
                elif flag == "e":
                    link_level = True
                elif flag == "U":
                    packet_buffered = True  # -w: each packet reaches the file at once
                elif flag == "l":
                    line_buffered = True  # stdout line buffered: each line reaches a file at once
                else:
                    raise NotSimulated(f"tcpdump -{flag}")
        else:
            words.append(word)
    if read_file is not None:
        if write_file is not None:
            raise NotSimulated("tcpdump -r with -w")
        return _read(read_file, " ".join(words), link_level, count, io, system)
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
        capture = Capture.start(" ".join(words), link_level=link_level, count=count,
                                write=write_file is not None)
    except FilterError as err:
        io.err(f"tcpdump: {err}\n")
        return 1
    writer = None
    if write_file is not None:
        try:
            writer = PcapWriter(system.fs, system.fs.resolve(write_file, system.cwd),
                                packet_buffered)
        except FsError as err:
            io.err(f"tcpdump: {write_file}: {err.strerror}\n")
            return 1
    for line in listening_banner(iface, verbose_hint=writer is None):
        io.err(line + "\n")
    machine = system.machine  # type: ignore[attr-defined]
    scheduler = machine.scheduler
    arrived = Signal(scheduler)
    received = [0]

    def tap(frame: Frame) -> None:
        if capture.predicate(frame):
            received[0] += 1
        kept = len(capture.records)
        line = capture.offer(machine.clock.now, frame)
        if line is not None:
            io.out(line + "\n")
            if line_buffered:
                io.flush()
        if writer is not None:
            for record in capture.records[kept:]:
                writer.add(record)
        arrived.notify()

    remove = machine.network.wires.add_tap(ns, iface, tap)
    try:
        while not capture.done:
            process.wait([arrived])
    finally:
        remove()
        if writer is not None:
            writer.flush()  # pcap_dump_close at exit, also on SIGTERM/SIGINT
        io.flush()
        for line in summary_lines(capture.captured, max(received[0], capture.captured)):
            io.err(line + "\n")
    return 0


def _read(name: str, expression: str, link_level: bool, count: int | None, io: Io,
          system: System) -> int:
    """``tcpdump -r FILE``: the banner on stderr, a line per (filtered) record on stdout."""
    try:
        data = system.fs.read_bytes(system.fs.resolve(name, system.cwd))
    except FsError as err:
        io.err(f"tcpdump: {name}: {err.strerror}\n")
        return 1
    try:
        capture = read_capture(data)
    except UnreadableCapture as err:
        io.err(f"tcpdump: {err}\n")
        return 1
    try:
        keep = compile_filter(expression)
    except FilterError as err:
        io.err(f"tcpdump: {err}\n")
        return 1
    io.err(reading_banner(name, capture) + "\n")
    printer = TcpdumpPrinter(link_level)
    shown = 0
    for record in capture.records:
        if count is not None and shown >= count:
            return 0
        try:
            frame = parse_frame(record.data, strict=False)
        except ValueError:
            frame = None
        if frame is not None and not keep(frame):
            continue
        shown += 1
        io.out(printer.line(record.timestamp, record.data) + "\n")
    if capture.problem is not None:
        io.flush()
        io.err(f"tcpdump: {capture.problem}\n")
        return 1
    return 0

