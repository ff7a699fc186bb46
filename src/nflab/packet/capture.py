"""A running capture on one interface: where the stack hands every frame tcpdump would see.

The lab keeps one ``Capture`` per running ``tcpdump -i IF`` and calls
``offer(now, frame)`` for each frame the interface sends or receives (on
``lo`` each packet once, with zero MAC addresses; on a veth both
directions, broadcasts and ARP included), in the order they happen, with the
simulated clock's time. The capture filters, counts, formats the line
(``-e`` or not) and keeps pcap records for ``-w``. Nothing here prints: the
program takes ``lines`` / ``pcap_bytes()`` and writes them where it should.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ethernet import Frame, emit_frame
from .filter import Services, compile_filter
from .filter_match import Predicate
from .pcap import DEFAULT_SNAPLEN, PcapRecord, encode_pcap
from .tcpdump import TcpdumpPrinter


def listening_banner(iface: str, verbose_hint: bool = True) -> list[str]:
    """What tcpdump writes to stderr when it starts (``verbose_hint``: without ``-w``/``-v``)."""
    line = f"listening on {iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes"
    if verbose_hint:
        return ["tcpdump: verbose output suppressed, use -v[v]... for full protocol decode", line]
    return [f"tcpdump: {line}"]


def summary_lines(captured: int, received: int, dropped: int = 0) -> list[str]:
    """What tcpdump writes to stderr when it stops (``received``: what the kernel's filter
    let through up to then, ``captured`` and more)."""
    def plural(count: int) -> str:
        return f"{count} packet{'' if count == 1 else 's'}"
    return [f"{plural(captured)} captured", f"{plural(received)} received by filter",
            f"{plural(dropped)} dropped by kernel"]


@dataclass
class Capture:
    """``tcpdump -n [-e] -i IF [-c COUNT] [-w FILE] [EXPRESSION]``."""

    predicate: Predicate = field(default=lambda frame: True)
    link_level: bool = False
    count: int | None = None
    write: bool = False  # -w: keep pcap records instead of lines
    snaplen: int = DEFAULT_SNAPLEN
    lines: list[str] = field(default_factory=list)
    records: list[PcapRecord] = field(default_factory=list)
    captured: int = 0
    printer: TcpdumpPrinter = field(init=False)

    def __post_init__(self) -> None:
        self.printer = TcpdumpPrinter(self.link_level)

    @classmethod
    def start(cls, expression: str = "", *, link_level: bool = False, count: int | None = None,
              write: bool = False, services: Services | None = None) -> Capture:
        """A capture for a filter expression (raises ``filter.FilterError`` as tcpdump fails)."""
        return cls(compile_filter(expression, services), link_level, count, write)

    @property
    def done(self) -> bool:
        """``-c COUNT`` reached: tcpdump exits."""
        return self.count is not None and self.captured >= self.count

    def offer(self, timestamp: float, frame: Frame) -> str | None:
        """One frame on the interface; the line printed for it, if any."""
        if self.done or not self.predicate(frame):
            return None
        self.captured += 1
        if self.write:
            self.records.append(PcapRecord.at(timestamp, emit_frame(frame), self.snaplen))
            return None
        line = self.printer.line(timestamp, frame)
        self.lines.append(line)
        return line

    def pcap_bytes(self) -> bytes:
        """The ``-w`` file: header and every record so far."""
        return encode_pcap(self.records, self.snaplen)
