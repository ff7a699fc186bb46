"""Hypothesis strategies for packet values in their canonical form (what parse returns)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

from hypothesis import strategies as st

from nflab.packet.arp import Arp
from nflab.packet.ethernet import ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, Frame
from nflab.packet.headers import ICMP, ICMP_QUOTE_MAX, TCP, UDP, IPv4, Packet, TcpOption
from nflab.packet.ipv6 import IPv6, IPv6Packet
from nflab.packet.wire import emit

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
ipv4_addresses = st.builds(IPv4Address, u32)
ipv6_addresses = st.builds(IPv6Address, st.integers(0, 2**128 - 1))
macs = st.binary(min_size=6, max_size=6)
small_payloads = st.binary(max_size=64)

_known_options = st.one_of(
    st.just(TcpOption.nop()),
    st.builds(TcpOption.mss, u16),
    st.builds(TcpOption.window_scale, u8),
    st.just(TcpOption.sack_permitted()),
    st.builds(TcpOption.sack, st.lists(st.tuples(u32, u32), min_size=1, max_size=4).map(tuple)),
    st.builds(TcpOption.timestamps, u32, u32),
    st.builds(TcpOption, st.integers(9, 253), st.binary(max_size=8)),  # unknown kinds
)


@st.composite
def tcp_options(draw: st.DrawFn) -> tuple[TcpOption, ...]:
    """Options that fit 40 bytes; an end-of-list closes a list that needs padding (the
    first zero byte of the padding reads back as one, as tcpdump shows it)."""
    options: list[TcpOption] = []
    for option in draw(st.lists(_known_options, max_size=8)):
        if sum(o.size for o in options) + option.size <= 39:
            options.append(option)
    if sum(o.size for o in options) % 4:
        options.append(TcpOption.eol())
    return tuple(options)


tcp_headers = st.builds(TCP, u16, u16, u32, u32, st.integers(0, 0xFFF), u16, u16, tcp_options())
udp_headers = st.builds(UDP, u16, u16, st.sampled_from([None, None, 0]))


def ipv4_headers(proto: st.SearchStrategy[int], fragment: bool = False) -> st.SearchStrategy[IPv4]:
    options = st.integers(0, 10).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n))
    frag = st.integers(1, 0x1FFF) if fragment else st.just(0)
    return st.builds(IPv4, ipv4_addresses, ipv4_addresses, proto, u8, u8, u16,
                     st.booleans(), st.just(fragment), frag, options)


_echo_like = st.builds(ICMP, st.sampled_from([0, 8, 13, 14, 17, 9]), u8, u16, u16)
_unreachable = st.builds(ICMP, st.just(3), st.integers(0, 15).filter(lambda c: c != 4))
_frag_needed = st.builds(ICMP, st.just(3), st.just(4), u16, mtu=u16)
_redirect = st.builds(ICMP, st.sampled_from([5, 12]), u8,
                      gateway=st.one_of(st.none(), st.builds(IPv4Address, st.integers(1, 2**32 - 1))))
_other_errors = st.builds(ICMP, st.sampled_from([4, 11]), u8)
icmp_errors = st.one_of(_unreachable, _frag_needed, _redirect, _other_errors)


def _whole(ip_proto: int, l4: st.SearchStrategy, payload: st.SearchStrategy[bytes]) -> st.SearchStrategy[Packet]:
    return st.builds(Packet, ipv4_headers(st.just(ip_proto)), l4, payload)


inner_packets = st.one_of(
    _whole(6, tcp_headers, small_payloads),
    _whole(17, udp_headers, small_payloads),
    _whole(1, _echo_like, small_payloads),
    st.builds(Packet, ipv4_headers(st.sampled_from([47, 50, 132])), st.none(), small_payloads),
)


@st.composite
def icmp_error_packets(draw: st.DrawFn) -> Packet:
    """An error quoting a packet that fits whole, or (no quote) a body too short to be one."""
    icmp = draw(icmp_errors)
    quoted = draw(st.one_of(st.none(), inner_packets.filter(
        lambda p: len(emit(p)) <= ICMP_QUOTE_MAX)))
    if quoted is None:
        return Packet(draw(ipv4_headers(st.just(1))), icmp, draw(st.binary(max_size=19)))
    icmp = ICMP(icmp.type, icmp.code, icmp.ident, icmp.seq, quoted, icmp.gateway, icmp.mtu)
    extra = draw(st.binary(max_size=8)) if len(emit(quoted)) < ICMP_QUOTE_MAX else b""
    return Packet(draw(ipv4_headers(st.just(1))), icmp, extra)


@st.composite
def first_fragments(draw: st.DrawFn) -> Packet:
    """A first fragment: its transport checksum (and UDP length) are kept as read."""
    kind = draw(st.sampled_from(["tcp", "udp", "icmp"]))
    ip = draw(ipv4_headers(st.just({"tcp": 6, "udp": 17, "icmp": 1}[kind])))
    ip = IPv4(ip.src, ip.dst, ip.proto, ip.ttl, ip.tos, ip.ident, False, True, 0, ip.options)
    payload = draw(small_payloads)
    checksum = draw(u16)
    if kind == "tcp":
        l4: TCP | UDP | ICMP = TCP(**{**_fields(draw(tcp_headers)), "checksum": checksum})
    elif kind == "udp":
        length = draw(u16.filter(lambda n: n != 8 + len(payload)))
        l4 = UDP(draw(u16), draw(u16), checksum, length)
    else:
        echo = draw(_echo_like)
        l4 = ICMP(echo.type, echo.code, echo.ident, echo.seq, checksum=checksum)
    return Packet(ip, l4, payload)


def _fields(value: object) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__slots__}  # type: ignore[attr-defined]


later_fragments = st.builds(Packet, ipv4_headers(st.sampled_from([1, 6, 17]), fragment=True),
                            st.none(), small_payloads)

ipv4_packets = st.one_of(
    inner_packets,
    icmp_error_packets(),
    first_fragments(),
    later_fragments,
)

arp_messages = st.builds(Arp, u16, macs, ipv4_addresses, macs, ipv4_addresses)

ipv6_headers = st.builds(IPv6, ipv6_addresses, ipv6_addresses, st.just(0), u8, u8,
                         st.integers(0, 0xFFFFF))


@st.composite
def ipv6_packets(draw: st.DrawFn) -> IPv6Packet:
    kind = draw(st.sampled_from([6, 17, 58, 59]))
    header = draw(ipv6_headers)
    ip = IPv6(header.src, header.dst, kind, header.hop_limit, header.traffic_class,
              header.flow_label)
    udp = draw(udp_headers)
    l4 = {6: draw(tcp_headers), 17: UDP(udp.sport, udp.dport)}.get(kind)
    return IPv6Packet(ip, l4, draw(small_payloads))


@st.composite
def frames(draw: st.DrawFn) -> Frame:
    payload = draw(st.one_of(ipv4_packets, arp_messages, ipv6_packets(), small_payloads))
    dst, src = draw(macs), draw(macs)
    if isinstance(payload, bytes):
        ethertype = draw(st.integers(0x0600, 0xFFFF).filter(
            lambda t: t not in (ETH_P_IP, ETH_P_ARP, ETH_P_IPV6)))
        return Frame(dst, src, ethertype, payload)
    return Frame(dst, src, Frame.of(dst, src, payload).ethertype, payload,
                 draw(st.binary(max_size=18)))
