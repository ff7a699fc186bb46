"""The predicates a compiled tcpdump filter is made of, over ``ethernet.Frame`` values.

Each mirrors the code libpcap generates for a primitive: ``tcp`` tests the
IPv4 protocol field (or the IPv6 next header), ``port`` reads the transport
ports of an IPv4 packet that is not a later fragment, ``host`` compares IPv4
source/destination or ARP sender/target protocol addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from .arp import Arp
from .ethernet import Frame
from .headers import TCP, UDP, Packet
from .ipv6 import IPv6Packet

Predicate = Callable[[Frame], bool]
_PROTO_NUMBERS = {"tcp": 6, "udp": 17, "sctp": 132}


def all_of(left: Predicate, right: Predicate) -> Predicate:
    return lambda frame: left(frame) and right(frame)


def any_of(left: Predicate, right: Predicate) -> Predicate:
    return lambda frame: left(frame) or right(frame)


def negate(inner: Predicate) -> Predicate:
    return lambda frame: not inner(frame)


def ethertype_is(ethertype: int) -> Predicate:
    return lambda frame: frame.ethertype == ethertype


def frame_length(size: int, less: bool) -> Predicate:
    """``less N`` (length <= N) or ``greater N`` (length >= N) of the whole frame."""
    if less:
        return lambda frame: frame.length <= size
    return lambda frame: frame.length >= size


def l4_proto_is(number: int, ip: bool, ip6: bool) -> Predicate:
    def check(frame: Frame) -> bool:
        packet = frame.payload
        if ip and isinstance(packet, Packet):
            return packet.ip.proto == number
        return ip6 and isinstance(packet, IPv6Packet) and packet.ip.next_header == number
    return check


def _directions(direction: str, src_ok: bool, dst_ok: bool) -> bool:
    if direction == "src":
        return src_ok
    if direction == "dst":
        return dst_ok
    if direction == "src and dst":
        return src_ok and dst_ok
    return src_ok or dst_ok


Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def _endpoints(frame: Frame, proto: str | None) -> tuple[Address, Address] | None:
    """The (source, destination) protocol addresses the qualifier looks at."""
    packet = frame.payload
    if isinstance(packet, Packet) and proto in (None, "ip"):
        return packet.ip.src, packet.ip.dst
    if isinstance(packet, IPv6Packet) and proto in (None, "ip6"):
        return packet.ip.src, packet.ip.dst
    if isinstance(packet, Arp) and proto in (None, "arp"):
        return packet.sender_ip, packet.target_ip
    return None


def host_is(address: Address, direction: str, proto: str | None) -> Predicate:
    def check(frame: Frame) -> bool:
        ends = _endpoints(frame, proto)
        return ends is not None and _directions(direction, ends[0] == address, ends[1] == address)
    return check


def in_net(network: Network, direction: str, proto: str | None) -> Predicate:
    def check(frame: Frame) -> bool:
        ends = _endpoints(frame, proto)
        if ends is None or ends[0].version != network.version:
            return False
        return _directions(direction, ends[0] in network, ends[1] in network)
    return check


def _ports(packet: Packet | IPv6Packet) -> tuple[int, int] | None:
    l4 = packet.l4
    if isinstance(l4, TCP | UDP):
        return l4.sport, l4.dport
    if l4 is None and len(packet.payload) >= 4:  # sctp: the ports open its common header
        return (int.from_bytes(packet.payload[:2], "big"),
                int.from_bytes(packet.payload[2:4], "big"))
    return None


def port_in(protos: tuple[str, ...], low: int, high: int, direction: str) -> Predicate:
    numbers = frozenset(_PROTO_NUMBERS[p] for p in protos)

    def check(frame: Frame) -> bool:
        packet = frame.payload
        if isinstance(packet, Packet):
            if packet.ip.proto not in numbers or packet.ip.frag_offset:
                return False
        elif not isinstance(packet, IPv6Packet) or packet.ip.next_header not in numbers:
            return False
        ports = _ports(packet)
        if ports is None:
            return False
        return _directions(direction, low <= ports[0] <= high, low <= ports[1] <= high)
    return check
