"""The lines ``tcpdump -n [-e] -i IF`` prints (tcpdump 4.99.3, Debian 12), one per frame.

    12:13:20.000000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 64240, ...
    12:13:20.000000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800),
        length 74: 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], ... (``-e``, one line)

A ``TcpdumpPrinter`` is one tcpdump run: it remembers TCP initial sequence
numbers across lines as tcpdump does. Times are the simulated clock's Unix
seconds, printed in UTC (the machines' time zone) to the microsecond.

Covered: Ethernet II, ARP, IPv4 (fragments, options), ICMP, TCP (options,
relative sequence numbers, the HTTP request/status line on ports 80/8080),
UDP (DNS queries on port 53; otherwise the generic ``UDP, length N``:
tcpdump's decoders for DNS answers, DHCP, NTP and other well-known ports
are not reproduced), IPv6 with TCP, UDP, ICMPv6
echo and unreachable. Other protocols print tcpdump's ``ip-proto-N`` form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .arp import Arp
from .ethernet import ETH_HLEN, Frame, emit_frame, emit_l3, mac_text, parse_frame
from .headers import ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP, UDP, Packet
from .ipv6 import IPPROTO_ICMPV6, IPv6Packet
from .pcap import split_time
from .tcpdump_dns import dns_query_text
from .tcpdump_icmp import icmp6_text, icmp_text
from .tcpdump_tcp import TcpSeqTracker, tcp_text
from .udp import udp_length

_ETHERTYPES = {0x0800: "IPv4", 0x0806: "ARP", 0x86DD: "IPv6", 0x8100: "802.1Q",
               0x8035: "Reverse ARP", 0x88CC: "LLDP", 0x888E: "EAPOL", 0x8847: "MPLS unicast",
               0x88A8: "802.1Q-QinQ", 0x8863: "PPPoE D", 0x8864: "PPPoE S"}
_ARP_OPS = {1: "Request", 2: "Reply", 3: "Reverse Request", 4: "Reverse Reply",
            8: "Inverse Request", 9: "Inverse Reply"}


def timestamp_text(timestamp: float) -> str:
    """``HH:MM:SS.ffffff`` in UTC, rounded to the microsecond as a pcap record keeps it."""
    seconds, micros = split_time(timestamp)
    return time.strftime("%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}"


@dataclass
class TcpdumpPrinter:
    """One run of ``tcpdump -n`` (``link_level``: ``-e``)."""

    link_level: bool = False
    tcp_seq: TcpSeqTracker = field(default_factory=TcpSeqTracker)

    def line(self, timestamp: float, frame: Frame | bytes) -> str:
        """The line for one frame (bytes are parsed, keeping wrong checksums as tcpdump does)."""
        data = frame if isinstance(frame, bytes) else emit_frame(frame)
        try:
            value = parse_frame(data, strict=False) if isinstance(frame, bytes) else frame
        except ValueError:
            value = None
        return f"{timestamp_text(timestamp)} {self._frame_text(value, data)}"

    def _frame_text(self, frame: Frame | None, data: bytes) -> str:
        if frame is None:  # not even the link-level header, or a packet too broken to read
            return self._undecoded(data)
        name = _ETHERTYPES.get(frame.ethertype, "Unknown")
        link = (f"{mac_text(frame.src)} > {mac_text(frame.dst)}, "
                f"ethertype {name} (0x{frame.ethertype:04x}), length {len(data)}: ")
        payload = frame.payload
        if isinstance(payload, Packet):
            body = self.ipv4_text(payload)
            return link + body if self.link_level else "IP " + body
        if isinstance(payload, Arp):
            body = arp_text(payload, len(data) - ETH_HLEN)
            return link + body if self.link_level else "ARP, " + body
        if isinstance(payload, IPv6Packet):
            body = self.ipv6_text(payload)
            return link + body if self.link_level else "IP6 " + body
        # a type tcpdump would decode further, or does not know: the link-level header only
        return link

    @staticmethod
    def _undecoded(data: bytes) -> str:
        """A frame nflab cannot parse (never one it made): the link-level header and
        tcpdump's truncation mark, not tcpdump's own diagnosis."""
        if len(data) < ETH_HLEN:
            return "[|ether]"
        ethertype = int.from_bytes(data[12:14], "big")
        return (f"{mac_text(data[6:12])} > {mac_text(data[:6])}, ethertype "
                f"{_ETHERTYPES.get(ethertype, 'Unknown')} (0x{ethertype:04x}), "
                f"length {len(data)}: [|{_ETHERTYPES.get(ethertype, 'ether').lower()}]")

    def ipv4_text(self, packet: Packet) -> str:
        """``ip_print`` without ``-v``: addresses, then the transport's own text."""
        ip = packet.ip
        data_length = packet.length - ip.header_length
        if ip.frag_offset:
            return f"{ip.src} > {ip.dst}: ip-proto-{ip.proto}"
        l4 = packet.l4
        if isinstance(l4, TCP):
            return tcp_text(ip.src, ip.dst, l4, packet.payload, self.tcp_seq)
        if isinstance(l4, UDP):
            return udp_text(f"{ip.src}.{l4.sport} > {ip.dst}.{l4.dport}: ", l4, packet,
                            data_length, ip.is_fragment)
        if isinstance(l4, ICMP):
            message = emit_l3(packet)[ip.header_length :]
            return f"{ip.src} > {ip.dst}: {icmp_text(message, data_length)}"
        if ip.proto in (IPPROTO_TCP, IPPROTO_UDP):  # a first fragment too short for a header
            return f"{ip.src} > {ip.dst}: [|{'tcp' if ip.proto == IPPROTO_TCP else 'udp'}]"
        if ip.proto == 1:
            return f"{ip.src} > {ip.dst}:  [|icmp]"
        return f"{ip.src} > {ip.dst}: {_other_protocol(ip.proto, data_length)}"

    def ipv6_text(self, packet: IPv6Packet) -> str:
        ip, l4 = packet.ip, packet.l4
        if isinstance(l4, TCP):
            return tcp_text(ip.src, ip.dst, l4, packet.payload, self.tcp_seq)
        if isinstance(l4, UDP):
            return udp_text(f"{ip.src}.{l4.sport} > {ip.dst}.{l4.dport}: ", l4, packet,
                            packet.payload_length, False)
        if ip.next_header == IPPROTO_ICMPV6:
            return f"{ip.src} > {ip.dst}: {icmp6_text(packet.payload)}"
        return f"{ip.src} > {ip.dst}: {_other_protocol(ip.next_header, packet.payload_length)}"


def _other_protocol(proto: int, length: int) -> str:
    """``ip_demux_print`` for a protocol without a printer here."""
    if proto == 59:
        return "no next header"
    return f" ip-proto-{proto} {length}"


def udp_text(addresses: str, udp: UDP, packet: Packet | IPv6Packet, length: int,
             fragmented: bool) -> str:
    """``udp_print`` for a port without a decoder: the length field's count of data bytes."""
    truncated = packet.truncated if isinstance(packet, Packet) else 0
    ulen = udp_length(udp, packet.payload, truncated)
    if ulen < 8:
        return f"{addresses}truncated-udplength {ulen}"
    if ulen > length and not fragmented:
        return f"{addresses}UDP, bad length {ulen - 8} > {length - 8}"
    if 53 in (udp.sport, udp.dport) and not fragmented:
        query = dns_query_text(packet.payload)
        if query is not None:
            return f"{addresses}{query}"
    return f"{addresses}UDP, length {ulen - 8}"


def arp_text(arp: Arp, length: int) -> str:
    """``arp_print`` for Ethernet/IPv4 (``length``: the bytes after the Ethernet header)."""
    op = _ARP_OPS.get(arp.op, f"Unknown ({arp.op})")
    if arp.op == 1:
        asked = f" ({mac_text(arp.target_mac)})" if any(arp.target_mac) else ""
        text = f"who-has {arp.target_ip}{asked} tell {arp.sender_ip}"
    elif arp.op == 2:
        text = f"{arp.sender_ip} is-at {mac_text(arp.sender_mac)}"
    elif arp.op in (3, 8):
        text = f"who-is {mac_text(arp.target_mac)} tell {mac_text(arp.sender_mac)}"
    elif arp.op == 4:
        text = f"{mac_text(arp.target_mac)} at {arp.target_ip}"
    elif arp.op == 9:
        text = f"{mac_text(arp.sender_mac)} at {arp.sender_ip}"
    else:
        return f"{op} "
    return f"{op} {text}, length {length}"
