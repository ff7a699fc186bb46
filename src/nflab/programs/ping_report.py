"""What iputils' ping (20221126) prints: reply lines, ICMP errors, the statistics.

The counters and their arithmetic follow ping_common.c (``gather_statistics``,
``acknowledge``, ``finish``): integer microseconds, the mean deviation from
``tsum2``, ``%g`` of a C float for the loss, times rounded to the
millisecond.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

LONG_MAX = 2**63 - 1

# pr_icmph's texts for destination unreachable codes
UNREACH = (
    "Destination Net Unreachable",
    "Destination Host Unreachable",
    "Destination Protocol Unreachable",
    "Destination Port Unreachable",
    "Frag needed and DF set (mtu = {mtu})",
    "Source Route Failed",
    "Destination Net Unknown",
    "Destination Host Unknown",
    "Source Host Isolated",
    "Destination Net Prohibited",
    "Destination Host Prohibited",
    "Destination Net Unreachable for Type of Service",
    "Destination Host Unreachable for Type of Service",
    "Packet filtered",
    "Precedence Violation",
    "Precedence Cutoff",
)


def icmp_text(icmp_type: int, code: int, mtu: int = 0, pointer: int = 0) -> str:
    """``pr_icmph`` for the errors ping reports (without the quoted header of ``-v``)."""
    if icmp_type == 3:
        if code < len(UNREACH):
            return UNREACH[code].format(mtu=mtu)
        return f"Dest Unreachable, Bad Code: {code}"
    if icmp_type == 4:
        return "Source Quench"
    if icmp_type == 11:
        return {0: "Time to live exceeded", 1: "Frag reassembly time exceeded"}.get(
            code, f"Time exceeded, Bad Code: {code}"
        )
    if icmp_type == 12:
        return f"Parameter problem: pointer = {pointer}"
    return f"Bad ICMP type: {icmp_type}"


def format_rtt(triptime: int) -> str:
    """The ``time=`` of a reply line, from microseconds."""
    if triptime >= 100000 - 50:
        return f"{(triptime + 500) // 1000}"
    if triptime >= 10000 - 5:
        return f"{(triptime + 50) // 1000}.{((triptime + 50) % 1000) // 100}"
    if triptime >= 1000:
        return f"{(triptime + 5) // 1000}.{((triptime + 5) % 1000) // 10:02d}"
    return f"{triptime // 1000}.{triptime % 1000:03d}"


def _ms3(us: int) -> str:
    return f"{us // 1000}.{us % 1000:03d}"


def _llsqrt(a: int) -> int:
    if a <= 0:
        return a
    prev, x = LONG_MAX, a
    while x < prev:
        prev = x
        x = (x + a // x) // 2
    return x


def _c_float_g(value: float) -> str:
    """``printf("%g", (float)value)``."""
    as_float = struct.unpack("f", struct.pack("f", value))[0]
    return f"{as_float:g}"


@dataclass
class Stats:
    ntransmitted: int = 0
    nreceived: int = 0
    nrepeats: int = 0
    nerrors: int = 0
    tmin: int = LONG_MAX
    tmax: int = 0
    tsum: int = 0
    tsum2: float = 0.0
    acked: int = 0
    pipesize: int = 0
    received_seqs: frozenset[int] = frozenset()

    def acknowledge(self, seq: int) -> None:
        diff = (self.ntransmitted - seq) & 0xFFFF
        if diff <= 0x7FFF:
            self.pipesize = max(self.pipesize, diff + 1)
            ahead = (seq - self.acked) & 0xFFFF  # (int16_t)(seq - acked) > 0
            if 0 < ahead < 0x8000 or (self.ntransmitted & 0xFFFF) - self.acked > 0x7FFF:
                self.acked = seq

    def in_flight(self) -> int:
        diff = (self.ntransmitted - self.acked) & 0xFFFF
        return diff if diff <= 0x7FFF else self.ntransmitted - self.nreceived - self.nerrors

    def reply(self, seq: int, triptime: int | None) -> bool:
        """A reply counted (``gather_statistics``); True when it is a duplicate."""
        self.nreceived += 1
        self.acknowledge(seq)
        if triptime is not None:
            self.tsum += triptime
            self.tsum2 += float(triptime * triptime)
            self.tmin = min(self.tmin, triptime)
            self.tmax = max(self.tmax, triptime)
        if seq in self.received_seqs:
            self.nrepeats += 1
            self.nreceived -= 1
            return True
        self.received_seqs = self.received_seqs | {seq}
        return False

    def summary(self, hostname: str, elapsed_ns: int, timing: bool) -> str:
        """``finish``: the lines after the blank one (the caller prints that first)."""
        out = [f"--- {hostname} ping statistics ---\n"]
        line = f"{self.ntransmitted} packets transmitted, {self.nreceived} received"
        if self.nrepeats:
            line += f", +{self.nrepeats} duplicates"
        if self.nerrors:
            line += f", +{self.nerrors} errors"
        if self.ntransmitted:
            lost = (self.ntransmitted - self.nreceived) * 100.0 / self.ntransmitted
            ms = (elapsed_ns + 500000) // 1000000
            line += f", {_c_float_g(lost)}% packet loss, time {ms}ms"
        out.append(line + "\n")
        tail = []
        if self.nreceived and timing:
            total = self.nreceived + self.nrepeats
            avg = self.tsum // total
            tmvar = int((self.tsum2 - (self.tsum * self.tsum) // total) / total)
            mdev = _llsqrt(tmvar)
            tail.append(
                f"rtt min/avg/max/mdev = {_ms3(self.tmin)}/{_ms3(avg)}/"
                f"{_ms3(self.tmax)}/{_ms3(mdev)} ms"
            )
        if self.pipesize > 1:
            tail.append(f"pipe {self.pipesize}")
        out.append(", ".join(tail) + "\n")
        return "".join(out)
