"""Ethernet II frames: destination, source, ethertype, and the packet they carry.

This is what crosses a veth cable and what ``tcpdump -i IF`` sees (lo too:
Linux gives loopback packets an Ethernet header with zero addresses). No
802.1Q tags, no frame check sequence (capture does not see it either).
A frame carries an IPv4 ``Packet``, an ``Arp``, an ``IPv6Packet``, or raw bytes
for any other ethertype; ``trailer`` keeps bytes after the packet (a NIC's
padding to the 60-byte minimum), so a parsed frame re-emits unchanged.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .arp import Arp, emit_arp, parse_arp_prefix
from .checksum import require_length
from .headers import Packet
from .ipv6 import IPv6Packet, emit6, parse6_prefix
from .wire import emit, parse_prefix

ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
ETH_HLEN = 14
BROADCAST = b"\xff" * 6
ZERO_MAC = bytes(6)

L3 = Packet | Arp | IPv6Packet | bytes
_TYPE_OF = {Packet: ETH_P_IP, Arp: ETH_P_ARP, IPv6Packet: ETH_P_IPV6}


def mac_text(mac: bytes) -> str:
    """``02:00:00:00:00:01``, as ip, tcpdump and the kernel log print a MAC address."""
    return ":".join(f"{b:02x}" for b in mac)


def parse_mac(text: str) -> bytes:
    parts = text.split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        raise ValueError(f"not a MAC address: {text!r}")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise ValueError(f"not a MAC address: {text!r}") from None


@dataclass(frozen=True, slots=True)
class Frame:
    dst: bytes
    src: bytes
    ethertype: int
    payload: L3
    trailer: bytes = b""

    def __post_init__(self) -> None:
        if len(self.dst) != 6 or len(self.src) != 6:
            raise ValueError("Ethernet: addresses must be 6 bytes")
        if not 0x0600 <= self.ethertype <= 0xFFFF:
            raise ValueError(f"Ethernet: ethertype 0x{self.ethertype:04x} is an 802.3 length; "
                             "only Ethernet II frames are supported")
        expected = _TYPE_OF.get(type(self.payload))
        if expected is None and self.ethertype in _TYPE_OF.values():
            raise ValueError(f"Ethernet: ethertype 0x{self.ethertype:04x} needs a parsed packet")
        if expected is not None and expected != self.ethertype:
            raise ValueError(f"Ethernet: a {type(self.payload).__name__} is not ethertype "
                             f"0x{self.ethertype:04x}")

    @classmethod
    def of(cls, dst: bytes, src: bytes, payload: Packet | Arp | IPv6Packet) -> Frame:
        """A frame with the ethertype of its payload."""
        return cls(dst, src, _TYPE_OF[type(payload)], payload)

    @property
    def length(self) -> int:
        """Bytes on the wire (what ``tcpdump -e`` prints as ``length``)."""
        return len(emit_frame(self))


def emit_l3(payload: L3) -> bytes:
    if isinstance(payload, Packet):
        return emit(payload)
    if isinstance(payload, Arp):
        return emit_arp(payload)
    if isinstance(payload, IPv6Packet):
        return emit6(payload)
    return payload


def emit_frame(frame: Frame) -> bytes:
    return (frame.dst + frame.src + struct.pack("!H", frame.ethertype) + emit_l3(frame.payload)
            + frame.trailer)


def parse_frame(data: bytes, *, strict: bool = True) -> Frame:
    """The frame ``data`` holds; ``strict=False`` keeps wrong checksums (see ``wire``)."""
    require_length("Ethernet", data, ETH_HLEN)
    dst, src, ethertype = data[:6], data[6:12], struct.unpack_from("!H", data, 12)[0]
    body = data[ETH_HLEN:]
    payload: L3
    if ethertype == ETH_P_IP:
        payload, end = parse_prefix(body, strict=strict)
    elif ethertype == ETH_P_ARP:
        payload, end = parse_arp_prefix(body)
    elif ethertype == ETH_P_IPV6:
        payload, end = parse6_prefix(body, strict=strict)
    else:
        payload, end = body, len(body)
    return Frame(dst, src, ethertype, payload, body[end:])
