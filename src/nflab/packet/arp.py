"""ARP for IPv4 over Ethernet (RFC 826): the 28-byte request and reply."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from ipaddress import IPv4Address

from .checksum import require_bits, require_length

ARP_LENGTH = 28
_HTYPE_ETHERNET, _PTYPE_IPV4 = 1, 0x0800
_FORMAT = "!HHBBH6s4s6s4s"


class ArpOp(IntEnum):
    REQUEST = 1
    REPLY = 2


@dataclass(frozen=True, slots=True)
class Arp:
    """An ARP message; ``op`` is an ArpOp or any other 16-bit operation code."""

    op: int
    sender_mac: bytes
    sender_ip: IPv4Address
    target_mac: bytes
    target_ip: IPv4Address

    def __post_init__(self) -> None:
        for name in ("sender_mac", "target_mac"):
            if len(getattr(self, name)) != 6:
                raise ValueError(f"ARP: {name} must be 6 bytes")

    @classmethod
    def request(cls, sender_mac: bytes, sender_ip: IPv4Address,
                target_ip: IPv4Address) -> Arp:
        """Who has ``target_ip``? (the target MAC is zero, as Linux sends it)."""
        return cls(ArpOp.REQUEST, sender_mac, sender_ip, bytes(6), target_ip)

    @classmethod
    def reply(cls, sender_mac: bytes, sender_ip: IPv4Address, target_mac: bytes,
              target_ip: IPv4Address) -> Arp:
        """``sender_ip`` is at ``sender_mac``, told to the asker."""
        return cls(ArpOp.REPLY, sender_mac, sender_ip, target_mac, target_ip)


def emit_arp(arp: Arp) -> bytes:
    require_bits("ARP", "op", arp.op, 16)
    return struct.pack(_FORMAT, _HTYPE_ETHERNET, _PTYPE_IPV4, 6, 4, arp.op, arp.sender_mac,
                       arp.sender_ip.packed, arp.target_mac, arp.target_ip.packed)


def parse_arp_prefix(data: bytes) -> tuple[Arp, int]:
    """The message at the start of ``data`` and its end (Ethernet may pad after it)."""
    require_length("ARP", data, 8)
    htype, ptype, hlen, plen = struct.unpack_from("!HHBB", data)
    if (htype, ptype, hlen, plen) != (_HTYPE_ETHERNET, _PTYPE_IPV4, 6, 4):
        raise ValueError(
            f"ARP: hardware type {htype} protocol 0x{ptype:04x} with address lengths "
            f"{hlen}/{plen}: only Ethernet (1) / IPv4 (0x0800) with 6/4 is supported")
    require_length("ARP", data, ARP_LENGTH, "message")
    _, _, _, _, op, sha, spa, tha, tpa = struct.unpack_from(_FORMAT, data)
    return Arp(op, sha, IPv4Address(spa), tha, IPv4Address(tpa)), ARP_LENGTH


def parse_arp(data: bytes) -> Arp:
    arp, end = parse_arp_prefix(data)
    if end != len(data):
        raise ValueError(f"ARP: a 28-byte message but {len(data)} bytes given")
    return arp
