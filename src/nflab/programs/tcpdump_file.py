"""tcpdump's capture files: ``-w`` writing (as libpcap's ``pcap_dump`` through stdio does)
and ``-r`` reading (with libpcap's messages for a broken file).

A ``-w`` file is created empty when the capture starts; stdio keeps what
``pcap_dump`` writes in a buffer and hands the file whole blocks (``st_blksize``,
4096 bytes), so a file read while the capture runs holds at most the blocks
written so far; ``-U`` (``pcap_dump_flush`` per packet) writes the header at
once and every packet as it comes; the end of the capture (``-c``, a signal)
writes the rest.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..lab.files import Filesystem
from ..packet.pcap import (
    DEFAULT_SNAPLEN,
    FILE_HEADER_LENGTH,
    MAGIC_NSEC,
    MAGIC_USEC,
    RECORD_HEADER_LENGTH,
    PcapRecord,
    file_header,
    record_bytes,
)  # fmt: skip

BLOCK = 4096  # the file's st_blksize: the stdio buffer of the dump file
LINKTYPE_NAMES = {1: ("EN10MB", "Ethernet")}


class PcapWriter:
    """The ``-w`` file of a running capture."""

    def __init__(self, fs: Filesystem, path: str, packet_buffered: bool):
        self.fs = fs
        self.path = path
        self.packet_buffered = packet_buffered
        fs.open_for_write(path)  # FsError as fopen(3) fails: the caller words it
        self.pending = file_header(DEFAULT_SNAPLEN)
        if packet_buffered:
            self.flush()

    def add(self, record: PcapRecord) -> None:
        self.pending += record_bytes(record)
        if self.packet_buffered:
            self.flush()
        elif len(self.pending) >= BLOCK:
            whole = len(self.pending) // BLOCK * BLOCK
            self.fs.append_bytes(self.path, self.pending[:whole])
            self.pending = self.pending[whole:]

    def flush(self) -> None:
        if self.pending:
            self.fs.append_bytes(self.path, self.pending)
            self.pending = b""


@dataclass
class ReadCapture:
    linktype: int
    snaplen: int
    records: list[PcapRecord]
    problem: str | None = None  # libpcap's complaint about what follows the good records


class UnreadableCapture(Exception):
    """The file header is not a capture's (the message is libpcap's)."""


def read_capture(data: bytes) -> ReadCapture:
    """The records of a ``-r`` file, up to the first broken one."""
    if len(data) < 4:
        raise UnreadableCapture(f"truncated dump file; tried to read 4 file header bytes, "
                                f"only got {len(data)}")
    order = next((o for o in "<>" if struct.unpack_from(o + "I", data)[0] in (MAGIC_USEC,
                                                                            MAGIC_NSEC)), None)
    if order is None:
        raise UnreadableCapture("unknown file format")
    if len(data) < FILE_HEADER_LENGTH:
        raise UnreadableCapture(f"truncated dump file; tried to read {FILE_HEADER_LENGTH} file "
                                f"header bytes, only got {len(data) - 4}")
    magic, _, _, _, _, snaplen, linktype = struct.unpack_from(order + "IHHiIII", data)
    records: list[PcapRecord] = []
    pos = FILE_HEADER_LENGTH
    while pos < len(data):
        left = len(data) - pos
        if left < RECORD_HEADER_LENGTH:
            return ReadCapture(linktype, snaplen, records, "pcap_loop: truncated dump file; tried "
                               f"to read {RECORD_HEADER_LENGTH} header bytes, only got {left}")
        seconds, fraction, caplen, orig_len = struct.unpack_from(order + "IIII", data, pos)
        pos += RECORD_HEADER_LENGTH
        if len(data) - pos < caplen:
            return ReadCapture(linktype, snaplen, records, "pcap_loop: truncated dump file; tried "
                               f"to read {caplen} captured bytes, only got {len(data) - pos}")
        micros = fraction // 1000 if magic == MAGIC_NSEC else fraction
        records.append(PcapRecord(seconds, micros, data[pos : pos + caplen], orig_len))
        pos += caplen
    return ReadCapture(linktype, snaplen, records)


def reading_banner(name: str, capture: ReadCapture) -> str:
    short, long = LINKTYPE_NAMES.get(capture.linktype, (f"{capture.linktype}", "unknown"))
    return (f"reading from file {name}, link-type {short} ({long}), "
            f"snapshot length {capture.snaplen}")
