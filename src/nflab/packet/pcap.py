"""Classic pcap files (what ``tcpdump -w`` writes and ``tcpdump -r`` reads).

Bytes in, bytes out: the caller owns the file. Timestamps are the simulated
clock's seconds since the epoch, kept to the microsecond as tcpdump's files
do; writing is little-endian with the Ethernet link type and tcpdump's
default snapshot length, as ``tcpdump -w`` on x86 does. Reading accepts both
byte orders and the nanosecond variant.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

LINKTYPE_ETHERNET = 1
DEFAULT_SNAPLEN = 262144  # tcpdump's default (MAXIMUM_SNAPLEN)
MAGIC_USEC, MAGIC_NSEC = 0xA1B2C3D4, 0xA1B23C4D
_FILE_HEADER = "IHHiIII"  # magic, version 2.4, thiszone, sigfigs, snaplen, linktype
_RECORD_HEADER = "IIII"  # seconds, fraction, captured length, original length
FILE_HEADER_LENGTH = 24
RECORD_HEADER_LENGTH = 16


def split_time(timestamp: float) -> tuple[int, int]:
    """Whole seconds and microseconds of a timestamp, rounded to the microsecond."""
    seconds, micros = divmod(round(timestamp * 1_000_000), 1_000_000)
    return seconds, micros


@dataclass(frozen=True, slots=True)
class PcapRecord:
    seconds: int
    micros: int
    data: bytes  # the captured bytes (at most the snapshot length)
    orig_len: int  # the frame's length on the wire

    @classmethod
    def at(cls, timestamp: float, frame: bytes, snaplen: int = DEFAULT_SNAPLEN) -> PcapRecord:
        seconds, micros = split_time(timestamp)
        return cls(seconds, micros, frame[:snaplen], len(frame))

    @property
    def timestamp(self) -> float:
        return self.seconds + self.micros / 1_000_000


@dataclass(frozen=True, slots=True)
class PcapFile:
    records: tuple[PcapRecord, ...]
    linktype: int = LINKTYPE_ETHERNET
    snaplen: int = DEFAULT_SNAPLEN


def file_header(snaplen: int = DEFAULT_SNAPLEN, linktype: int = LINKTYPE_ETHERNET) -> bytes:
    return struct.pack("<" + _FILE_HEADER, MAGIC_USEC, 2, 4, 0, 0, snaplen, linktype)


def record_bytes(record: PcapRecord) -> bytes:
    header = struct.pack("<" + _RECORD_HEADER, record.seconds, record.micros,
                         len(record.data), record.orig_len)
    return header + record.data


def encode_pcap(records: Iterable[PcapRecord], snaplen: int = DEFAULT_SNAPLEN,
                linktype: int = LINKTYPE_ETHERNET) -> bytes:
    """A whole file; a live capture writes ``file_header()`` once, then ``record_bytes``."""
    return file_header(snaplen, linktype) + b"".join(record_bytes(r) for r in records)


def decode_pcap(data: bytes) -> PcapFile:
    """Every record of a file; a ValueError names what is wrong with a broken one."""
    if len(data) < FILE_HEADER_LENGTH:
        raise ValueError(f"pcap: truncated file header: {len(data)} bytes, need 24")
    for order in "<>":
        magic = struct.unpack_from(order + "I", data)[0]
        if magic in (MAGIC_USEC, MAGIC_NSEC):
            break
    else:
        raise ValueError(f"pcap: bad magic number 0x{data[:4].hex()}")
    _, major, minor, _, _, snaplen, linktype = struct.unpack_from(order + _FILE_HEADER, data)
    if (major, minor) != (2, 4):
        raise ValueError(f"pcap: version {major}.{minor}, not 2.4")
    records = []
    pos = FILE_HEADER_LENGTH
    while pos < len(data):
        if pos + RECORD_HEADER_LENGTH > len(data):
            raise ValueError(f"pcap: truncated record header at byte {pos}")
        seconds, fraction, caplen, orig_len = struct.unpack_from(order + _RECORD_HEADER, data, pos)
        pos += RECORD_HEADER_LENGTH
        if pos + caplen > len(data):
            raise ValueError(f"pcap: record at byte {pos - 16} says {caplen} bytes, "
                             f"{len(data) - pos} left")
        micros = fraction // 1000 if magic == MAGIC_NSEC else fraction
        records.append(PcapRecord(seconds, micros, data[pos : pos + caplen], orig_len))
        pos += caplen
    return PcapFile(tuple(records), linktype, snaplen & 0xFFFFFFFF)
