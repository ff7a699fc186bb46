"""The ICMP and ICMPv6 part of a tcpdump 4.99 line (``print-icmp.c``, ``print-icmp6.c``,
``-n``, not ``-v``), read from the message bytes as tcpdump reads them.

An error names what its quote says: ``ICMP 10.0.0.2 udp port 7777 unreachable, length 38``.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

_ICMP_NAMES = {0: "echo reply", 4: "source quench", 8: "echo request",
               10: "router solicitation", 13: "time stamp request", 14: "time stamp reply",
               15: "information request", 16: "information reply", 17: "address mask request"}
# destination unreachable codes that print "<kind> <quoted dst> unreachable<suffix>"
_UNREACH = {0: ("net ", ""), 1: ("host ", ""), 5: ("", " - source route failed"),
            6: ("net ", " - unknown"), 7: ("host ", " - unknown"),
            8: ("", " - source host isolated"), 9: ("net ", " - admin prohibited"),
            10: ("host ", " - admin prohibited"), 11: ("net ", " - tos prohibited"),
            12: ("host ", " - tos prohibited"), 13: ("host ", " - admin prohibited filter"),
            14: ("host ", " - host precedence violation"), 15: ("host ", " - precedence cutoff")}
_REDIRECT = {0: "redirect {} to net {}", 1: "redirect {} to host {}",
             2: "redirect-tos {} to net {}", 3: "redirect-tos {} to host {}"}
_ICMP6_NAMES = {1: "destination unreachable", 2: "packet too big", 3: "time exceeded in-transit",
                4: "parameter problem", 128: "echo request", 129: "echo reply",
                130: "multicast listener query", 131: "multicast listener report",
                132: "multicast listener done", 133: "router solicitation",
                134: "router advertisement", 135: "neighbor solicitation",
                136: "neighbor advertisement", 137: "redirect", 143: "multicast listener report v2"}
_ICMP6_UNREACH = {0: "unreachable route", 1: " unreachable prohibited", 2: "beyond scope",
                  3: "unreachable address", 4: "unreachable port"}


class Truncated(Exception):
    """A field tcpdump needs is past the captured bytes: it prints `` [|icmp]``."""


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise Truncated
    return int.from_bytes(data[at : at + 2], "big")


def _v4(data: bytes, at: int) -> IPv4Address:
    if at + 4 > len(data):
        raise Truncated
    return IPv4Address(data[at : at + 4])


def _clock(ms: int) -> str:
    """``icmp_tstamp_print``: milliseconds since midnight UTC."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02}:{minutes:02}:{seconds:02}.{millis:03}"


def icmp_text(message: bytes, length: int) -> str:
    """``ICMP ..., length N`` for the ICMP message (``length``: the IP payload length)."""
    try:
        return f"ICMP {_describe(message)}, length {length}"
    except Truncated:
        return " [|icmp]"


def _describe(m: bytes) -> str:
    if len(m) < 2:
        raise Truncated
    icmp_type, code = m[0], m[1]
    quote = 8  # where an error's quoted IP header starts
    if icmp_type in (0, 8):
        kind = "request" if icmp_type == 8 else "reply"
        return f"echo {kind}, id {_u16(m, 4)}, seq {_u16(m, 6)}"
    if icmp_type == 3:
        if code in (2, 3, 4):
            return _unreachable(m, code, quote)
        if code in _UNREACH:
            prefix, suffix = _UNREACH[code]
            return f"{prefix}{_v4(m, quote + 16)} unreachable{suffix}"
        return f"{_v4(m, quote + 16)} unreachable - #{code}"
    if icmp_type == 5:
        text = _REDIRECT.get(code, f"redirect-#{code} {{}} to {{}}")
        return text.format(_v4(m, quote + 16), _v4(m, 4))
    if icmp_type == 9:
        return _router_advert(m)
    if icmp_type == 11:
        _v4(m, quote + 16)
        names = {0: "time exceeded in-transit", 1: "ip reassembly time exceeded"}
        return names.get(code, f"time exceeded-#{code}")
    if icmp_type == 12:
        if code:
            return f"parameter problem - code {code}"
        if len(m) < 5:
            raise Truncated
        return f"parameter problem - octet {m[4]}"
    if icmp_type == 18:
        if len(m) < 12:
            raise Truncated
        return f"address mask is 0x{int.from_bytes(m[8:12], 'big'):08x}"
    if icmp_type == 13:
        return f"time stamp query id {_u16(m, 4)} seq {_u16(m, 6)}"
    if icmp_type == 14:
        if len(m) < 20:
            raise Truncated
        stamps = [int.from_bytes(m[i : i + 4], "big") for i in (8, 12, 16)]
        return (f"time stamp reply id {_u16(m, 4)} seq {_u16(m, 6)}: org {_clock(stamps[0])}"
                f", recv {_clock(stamps[1])}, xmit {_clock(stamps[2])}")
    return _ICMP_NAMES.get(icmp_type, f"type-#{icmp_type}")


def _unreachable(m: bytes, code: int, quote: int) -> str:
    dst = _v4(m, quote + 16)
    if code == 2:
        if len(m) < quote + 10:
            raise Truncated
        return f"{dst} protocol {m[quote + 9]} unreachable"
    if code == 4:
        mtu = _u16(m, 6)
        return f"{dst} unreachable - need to frag" + (f" (mtu {mtu})" if mtu else "")
    if len(m) < quote + 10:
        raise Truncated
    proto, hlen = m[quote + 9], (m[quote] & 0x0F) * 4
    dport = _u16(m, quote + hlen + 2)
    if proto in (6, 17):
        return f"{dst} {'tcp' if proto == 6 else 'udp'} port {dport} unreachable"
    return f"{dst} protocol {proto} port {dport} unreachable"


def _router_advert(m: bytes) -> str:
    if len(m) < 8:
        raise Truncated
    lifetime = _u16(m, 6)
    if lifetime < 60:
        life = str(lifetime)
    elif lifetime < 3600:
        life = f"{lifetime // 60}:{lifetime % 60:02}"
    else:
        life = f"{lifetime // 3600}:{lifetime % 3600 // 60:02}:{lifetime % 60:02}"
    count, size = m[4], m[5]
    text = f"router advertisement lifetime {life} {count}:"
    if size != 2:
        return text + f" [size {size}]"
    for i in range(count):
        at = 8 + 8 * i
        if at + 8 > len(m):
            raise Truncated
        text += f" {{{_v4(m, at)} {int.from_bytes(m[at + 4 : at + 8], 'big')}}}"
    return text


def icmp6_text(message: bytes) -> str:
    """``ICMP6, ...`` for the types ``::1`` traffic shows (echo, errors); others by name."""
    if len(message) < 1:
        return "ICMP6, length 0"
    icmp_type, code = message[0], message[1] if len(message) > 1 else 0
    out = "ICMP6, " + _ICMP6_NAMES.get(icmp_type, f"unknown icmp6 type ({icmp_type})")
    try:
        if icmp_type in (128, 129):
            out += f", id {_u16(message, 4)}, seq {_u16(message, 6)}"
        elif icmp_type == 1:
            out += ", " + _ICMP6_UNREACH.get(code, f"unknown unreach code ({code})")
            out += _unreachable6(message, code)
        elif icmp_type == 2:
            if len(message) < 8:
                raise Truncated
            out += f", mtu {int.from_bytes(message[4:8], 'big')}"
    except Truncated:
        return out + " [|icmp6]"
    return out + f", length {len(message)}"


def _unreachable6(m: bytes, code: int) -> str:
    """The quoted packet's destination (and, for a port, the port): no extension headers."""
    if len(m) < 8 + 40:
        raise Truncated
    dst = IPv6Address(m[32:48])
    if code in (0, 1, 3):
        return f" {dst}"
    if code == 2:
        return f" {dst}, source address {IPv6Address(m[16:32])}"
    if code == 4:
        proto, dport = m[8 + 6], _u16(m, 48 + 2)
        if proto in (6, 17):
            return f", {dst} {'tcp' if proto == 6 else 'udp'} port {dport}"
        return f", {dst} protocol {proto} port {dport} unreachable"
    return ""
