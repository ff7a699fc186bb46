"""The kernel log as ``/dev/kmsg`` gives it: numbered records, read without clearing anything."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

KMSG = "/dev/kmsg"


@dataclass(frozen=True, slots=True)
class Record:
    sequence: int
    usec: int  # monotonic time of the record, microseconds since boot
    level: int
    text: str

    def dmesg_line(self, with_time: bool = True) -> str:
        """As ``dmesg`` prints it: ``[%5lu.%06lu] text``."""
        if not with_time:
            return self.text
        return f"[{self.usec // 1_000_000:5d}.{self.usec % 1_000_000:06d}] {self.text}"


def parse_record(raw: bytes) -> Record | None:
    """One ``/dev/kmsg`` read: ``PRI,SEQ,USEC,FLAGS;TEXT`` then `` KEY=VALUE`` lines."""
    head, sep, body = raw.partition(b";")
    fields = head.split(b",")
    if not sep or len(fields) < 3 or not all(f.isdigit() for f in fields[:3]):
        return None
    text = body.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return Record(int(fields[1]), int(fields[2]), int(fields[0]) & 7, text)


def read_records(after: int = -1) -> list[Record]:
    """The records still in the ring buffer whose sequence number is above ``after``."""
    records: list[Record] = []
    fd = os.open(KMSG, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            try:
                raw = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as err:
                if err.errno == errno.EPIPE:  # overwritten while reading: go on with the next
                    continue
                raise
            if not raw:
                break
            record = parse_record(raw)
            if record is not None and record.sequence > after:
                records.append(record)
    finally:
        os.close(fd)
    return records


def last_sequence() -> int:
    """The sequence number of the newest record (-1 for an empty log)."""
    records = read_records()
    return records[-1].sequence if records else -1
