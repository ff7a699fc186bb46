"""The kernel log line of the LOG target (``nf_log_syslog.c``: ``nf_log_ip_packet``).

A pure function of the packet and its context: the LOG target hands the
line to ``env.log``, and ``dmesg``/syslog show it. Example::

    test: IN=eth0 OUT= MAC=02:00:00:00:00:02:02:00:00:00:00:01:08:00 SRC=10.0.0.1
    DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=TCP SPT=40000
    DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0

(one line, ending with a space, as the kernel builds it piece by piece). Like
the kernel, the dump only reads the bytes the packet really has: an ICMP
error quotes at most what fits in 576 bytes, and a quoted header cut short
shows as ``INCOMPLETE [n bytes]``.

The kernel logs nothing from a network namespace other than the initial one
unless ``net.netfilter.nf_log_all_netns`` is 1; the caller decides that.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from ..packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpFlags
from ..packet.wire import emit

if TYPE_CHECKING:
    from .skb import Skb


class LogFlag(IntFlag):
    """``NF_LOG_*`` / ``XT_LOG_*`` bits of ``--log-tcp-sequence`` and friends."""

    TCPSEQ = 0x01
    TCPOPT = 0x02
    IPOPT = 0x04
    UID = 0x08
    NFLOG = 0x10  # unsupported, kept for the numbering
    MACDECODE = 0x20


LOG_MASK = 0x2F  # ``XT_LOG_MASK``: the flags the LOG target accepts

_IPTOS_TOS_MASK = 0x1E
_IPTOS_PREC_MASK = 0xE0
_ICMP_FRAG_NEEDED = 4
# ``required_len`` of dump_ipv4_packet: bytes an ICMP message of a type must have
_ICMP_REQUIRED = {0: 4, 3: 28, 4: 28, 5: 28, 8: 4, 11: 28, 12: 28, 13: 20, 14: 20, 17: 12, 18: 12}
_TCP_FLAG_NAMES = (
    (TcpFlags.CWR, "CWR"),
    (TcpFlags.ECE, "ECE"),
    (TcpFlags.URG, "URG"),
    (TcpFlags.ACK, "ACK"),
    (TcpFlags.PSH, "PSH"),
    (TcpFlags.RST, "RST"),
    (TcpFlags.SYN, "SYN"),
    (TcpFlags.FIN, "FIN"),
)
_AH_HEADER, _ESP_HEADER = 12, 8  # ``struct ip_auth_hdr``, ``struct ip_esp_hdr``


@dataclass(frozen=True, slots=True)
class LogContext:
    """Everything besides the packet that the log line shows.

    ``in_iface``/``out_iface`` are empty when the hook has no such device.
    ``mac_header`` is the received link-layer header (None: the device has
    none); ``ethernet`` says the input device is ARPHRD_ETHER (``lo`` is not),
    which ``--log-macdecode`` needs. ``uid_gid`` is the local socket's owner.
    """

    prefix: str = ""
    in_iface: str = ""
    out_iface: str = ""
    flags: int = 0
    mac_header: bytes | None = None
    ethernet: bool = True
    uid_gid: tuple[int, int] | None = None
    mark: int = 0
    # br_netfilter: the bridge ports a bridged packet came in on and leaves by
    physin: str = ""
    physout: str = ""


def context_of(skb: Skb, prefix: str, flags: int) -> LogContext:
    """The context of a packet in flight (what ``nf_log_packet`` gets from the hook)."""
    owner = (skb.sock_uid, skb.sock_gid or 0) if skb.sock_uid is not None else None
    return LogContext(
        prefix=prefix,
        in_iface=skb.in_iface,
        out_iface=skb.out_iface,
        flags=flags,
        mac_header=skb.mac_header,
        ethernet=skb.in_iface != "lo",  # lo is ARPHRD_LOOPBACK, every other device Ethernet
        uid_gid=owner,
        mark=skb.mark,
        physin=skb.bridge_in,
        physout=skb.bridge_out,
    )


def format_log_line(packet: Packet, ctx: LogContext) -> str:
    """The text the kernel prints for one packet (without the level marker)."""
    out = [f"{ctx.prefix}IN={ctx.in_iface} OUT={ctx.out_iface} "]
    # ``nf_log_dump_packet_common``: the ports, when they are not the devices already named
    if ctx.physin and ctx.physin != ctx.in_iface:
        out.append(f"PHYSIN={ctx.physin} ")
    if ctx.physout and ctx.physout != ctx.out_iface:
        out.append(f"PHYSOUT={ctx.physout} ")
    if ctx.in_iface:
        out.append(_mac_header(ctx))
    _dump_ipv4(out, packet, packet.length, ctx, top=True)
    return "".join(out)


def _mac_header(ctx: LogContext) -> str:
    """``dump_ipv4_mac_header``."""
    mac = ctx.mac_header
    if ctx.flags & LogFlag.MACDECODE and ctx.ethernet and mac is not None and len(mac) >= 14:
        src, dst, proto = mac[6:12], mac[0:6], int.from_bytes(mac[12:14], "big")
        return f"MACSRC={_mac(src)} MACDST={_mac(dst)} MACPROTO={proto:04x} "
    return "MAC=" + (_mac(mac) if mac else "") + " "


def _mac(octets: bytes) -> str:
    return ":".join(f"{b:02x}" for b in octets)


def _hex(data: bytes) -> str:
    return "".join(f"{b:02X}" for b in data)


def fragment_words(ip: IPv4) -> str:
    """``DF MF FRAG:N``, as both the kernel log and xtables-monitor print the fragment bits."""
    words = ("DF " if ip.dont_fragment else "") + ("MF " if ip.more_fragments else "")
    return words + (f"FRAG:{ip.frag_offset} " if ip.frag_offset else "")


def _dump_ipv4(out: list[str], pkt: Packet, avail: int, ctx: LogContext, top: bool) -> None:
    """``dump_ipv4_packet``; ``avail`` is how many bytes of this IP packet the skb holds."""
    if avail < 20:
        out.append("TRUNCATED")
        return
    ip = pkt.ip
    out.append(f"SRC={ip.src} DST={ip.dst} ")
    out.append(
        f"LEN={pkt.length} TOS=0x{ip.tos & _IPTOS_TOS_MASK:02X} "
        f"PREC=0x{ip.tos & _IPTOS_PREC_MASK:02X} TTL={ip.ttl} ID={ip.ident} "
    )
    out.append(fragment_words(ip))
    if ctx.flags & LogFlag.IPOPT and ip.options:
        if avail < ip.header_length:
            out.append("TRUNCATED")
            return
        out.append(f"OPT ({_hex(ip.options)}) ")
    rest = avail - ip.header_length  # bytes after the IP header (``skb->len - thoff``)
    fragment = ip.frag_offset != 0
    proto = ip.proto
    if proto == 6:
        if _dump_tcp(out, pkt, rest, fragment, ctx.flags):
            return
    elif proto in (17, 136):
        if _dump_udp(out, pkt, rest, fragment, proto):
            return
    elif proto == 1:
        _dump_icmp(out, pkt, rest, ctx, top)
    elif proto == 51:
        # the kernel checks for a fragment before printing the protocol, for AH only
        if not fragment:
            out.append("PROTO=AH ")
            _dump_spi(out, pkt.payload, rest, _AH_HEADER, 4)
    elif proto == 50:
        out.append("PROTO=ESP ")
        if not fragment:
            _dump_spi(out, pkt.payload, rest, _ESP_HEADER, 0)
    else:
        out.append(f"PROTO={proto} ")
    if top and ctx.flags & LogFlag.UID and ctx.uid_gid is not None:
        out.append(f"UID={ctx.uid_gid[0]} GID={ctx.uid_gid[1]} ")
    if top and ctx.mark:
        out.append(f"MARK=0x{ctx.mark:x} ")


def _dump_spi(out: list[str], payload: bytes, rest: int, size: int, at: int) -> None:
    if rest < size or len(payload) < size:
        out.append(f"INCOMPLETE [{rest} bytes] ")
        return
    out.append(f"SPI=0x{int.from_bytes(payload[at:at + 4], 'big'):x} ")


def tcp_options_bytes(pkt: Packet) -> bytes:
    """The TCP options of ``pkt`` as they are on the wire (padding included)."""
    th = pkt.l4
    assert isinstance(th, TCP)
    start = pkt.ip.header_length + 20
    return emit(pkt)[start : start + th.header_length - 20]


def _dump_tcp(out: list[str], pkt: Packet, rest: int, fragment: bool, flags: int) -> bool:
    """``nf_log_dump_tcp_header``; True when the dump stops here."""
    out.append("PROTO=TCP ")
    if fragment:
        return False
    th = pkt.l4
    if not isinstance(th, TCP) or rest < 20:
        out.append(f"INCOMPLETE [{rest} bytes] ")
        return True
    out.append(f"SPT={th.sport} DPT={th.dport} ")
    if flags & LogFlag.TCPSEQ:
        out.append(f"SEQ={th.seq} ACK={th.ack} ")
    # the reserved nibble of the flag word (its low bit is NS/AE), shifted as the kernel does
    out.append(f"WINDOW={th.window} RES=0x{(th.flags >> 8 & 0x0F) << 2:02x} ")
    out.extend(f"{name} " for bit, name in _TCP_FLAG_NAMES if th.flags & bit)
    out.append(f"URGP={th.urgent} ")
    if flags & LogFlag.TCPOPT and th.header_length > 20:
        if rest < th.header_length:
            out.append("OPT (TRUNCATED)")
            return True
        out.append(f"OPT ({_hex(tcp_options_bytes(pkt))}) ")
    return False


def _dump_udp(out: list[str], pkt: Packet, rest: int, fragment: bool, proto: int) -> bool:
    """``nf_log_dump_udp_header``."""
    out.append("PROTO=UDP " if proto == 17 else "PROTO=UDPLITE ")
    if fragment:
        return False
    uh = pkt.l4
    if not isinstance(uh, UDP) or rest < 8:
        out.append(f"INCOMPLETE [{rest} bytes] ")
        return True
    out.append(f"SPT={uh.sport} DPT={uh.dport} LEN={8 + len(pkt.payload)} ")
    return False


def _dump_icmp(out: list[str], pkt: Packet, rest: int, ctx: LogContext, top: bool) -> None:
    out.append("PROTO=ICMP ")
    if pkt.ip.frag_offset:
        return
    ich = pkt.l4
    if not isinstance(ich, ICMP) or rest < 8:
        out.append(f"INCOMPLETE [{rest} bytes] ")
        return
    out.append(f"TYPE={ich.type} CODE={ich.code} ")
    required = _ICMP_REQUIRED.get(ich.type, 0)
    if required and rest < required:
        out.append(f"INCOMPLETE [{rest} bytes] ")
        return
    if ich.type in (0, 8):
        out.append(f"ID={ich.ident} SEQ={ich.seq} ")
    elif ich.type == 12:
        pointer = int(ich.gateway) >> 24 if ich.gateway is not None else 0
        out.append(f"PARAMETER={pointer} ")
    if ich.type in (3, 4, 5, 11):
        if ich.type == 5:
            out.append(f"GATEWAY={ich.gateway or IPv4Address(0)} ")
        if top:
            out.append("[")
            if ich.quoted is None:
                out.append("TRUNCATED")
            else:
                _dump_ipv4(out, ich.quoted, rest - 8, ctx, top=False)
            out.append("] ")
        if ich.type == 3 and ich.code == _ICMP_FRAG_NEEDED:
            out.append(f"MTU={ich.mtu} ")


@dataclass(frozen=True, slots=True)
class NflogEvent:
    """A packet handed to nfnetlink_log (the NFLOG target, nft's ``log group``): what a
    listener bound to ``group`` receives (``ulogd``, ``tcpdump -i nflog:GROUP``).

    ``snaplen`` is ``--nflog-size`` (None: the group's copy mode decides) and
    ``threshold`` the number of packets the kernel queues before sending.
    """

    group: int
    prefix: str
    packet: Packet
    hook: str
    in_iface: str = ""
    out_iface: str = ""
    snaplen: int | None = None
    threshold: int = 0
    mark: int = 0


__all__ = [
    "LOG_MASK",
    "LogContext",
    "LogFlag",
    "NflogEvent",
    "context_of",
    "format_log_line",
    "tcp_options_bytes",
]
