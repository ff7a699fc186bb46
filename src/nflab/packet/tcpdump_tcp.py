"""The TCP part of a tcpdump 4.99 line (``print-tcp.c`` behaviour, ``-n``, not ``-v``).

``Flags [S.], seq 1:7, ack 1, win 64, options [nop,nop,TS val 1 ecr 2], length 6``.
Sequence numbers are relative once a segment with ACK set has been seen on
the connection, as tcpdump keeps them (without ``-S``): the first such
segment records both initial numbers and prints absolute ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address

from .headers import TCP, TcpFlags
from .tcp import emit_tcp

_FLAG_LETTERS = ((TcpFlags.FIN, "F"), (TcpFlags.SYN, "S"), (TcpFlags.RST, "R"),
                 (TcpFlags.PSH, "P"), (TcpFlags.ACK, "."), (TcpFlags.URG, "U"),
                 (TcpFlags.ECE, "E"), (TcpFlags.CWR, "W"))
_OPTION_NAMES = {0: "eol", 1: "nop", 2: "mss", 3: "wscale", 4: "sackOK", 5: "sack", 6: "echo",
                 7: "echoreply", 8: "TS", 11: "cc", 12: "ccnew", 13: "", 19: "md5", 20: "scps",
                 28: "uto", 29: "tcp-ao", 30: "mptcp", 34: "tfo", 254: "exp"}
_HTTP_PORTS = (80, 8080)
# request methods tcpdump's HTTP printer recognises (WebDAV included)
_HTTP_METHODS = frozenset({
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL",
    "TRACE", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY",
    "BDELETE", "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "SUBSCRIBE",
    "PROPPATCH", "BPROPFIND", "BPROPPATCH", "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE",
    "UNSUBSCRIBE", "RPC_CONNECT", "VERSION-CONTROL", "BASELINE-CONTROL"})
_MAX_TOKEN = 127

Address = IPv4Address | IPv6Address


class _BadOption(Exception):
    """tcpdump's ``goto bad``: the options are printed up to here, then ``[bad opt]``."""


@dataclass
class TcpSeqTracker:
    """tcpdump's table of initial sequence numbers, one entry per connection (both ways)."""

    entries: dict[tuple[bytes, bytes, int], tuple[int, int]] = field(default_factory=dict)

    def relative(self, src: Address, dst: Address, tcp: TCP) -> tuple[int, int, bool, int, int]:
        """(seq, ack, rev, th_seq, th_ack) as tcpdump prints and remembers them."""
        seq, ack = tcp.seq & 0xFFFFFFFF, tcp.ack & 0xFFFFFFFF
        if not tcp.flags & TcpFlags.ACK:
            return seq, ack, False, 0, 0
        rev = tcp.sport > tcp.dport or (tcp.sport == tcp.dport and src.packed > dst.packed)
        if rev:
            key = (dst.packed, src.packed, tcp.dport << 16 | tcp.sport)
        else:
            key = (src.packed, dst.packed, tcp.sport << 16 | tcp.dport)
        entry = self.entries.get(key)
        if entry is None or tcp.flags & TcpFlags.SYN:
            # a new conversation: remember where both directions start, print absolute
            entry = (ack - 1 & 0xFFFFFFFF, seq) if rev else (seq, ack - 1 & 0xFFFFFFFF)
            self.entries[key] = entry
        elif rev:
            seq, ack = seq - entry[1] & 0xFFFFFFFF, ack - entry[0] & 0xFFFFFFFF
        else:
            seq, ack = seq - entry[0] & 0xFFFFFFFF, ack - entry[1] & 0xFFFFFFFF
        return seq, ack, rev, entry[0], entry[1]


def tcp_text(src: Address, dst: Address, tcp: TCP, payload: bytes,
             tracker: TcpSeqTracker) -> str:
    """From ``SRC.PORT > DST.PORT: `` to the end of the line."""
    out = [f"{src}.{tcp.sport} > {dst}.{tcp.dport}: "]
    flags = tcp.flags & 0xFF
    letters = "".join(letter for bit, letter in _FLAG_LETTERS if flags & bit)
    out.append(f"Flags [{letters or 'none'}]")
    seq, ack, rev, th_seq, th_ack = tracker.relative(src, dst, tcp)
    length = len(payload)
    if length or flags & (TcpFlags.SYN | TcpFlags.FIN | TcpFlags.RST):
        out.append(f", seq {seq}")
        if length:
            out.append(f":{seq + length & 0xFFFFFFFF}")
    if flags & TcpFlags.ACK:
        out.append(f", ack {ack}")
    out.append(f", win {tcp.window}")
    if flags & TcpFlags.URG:
        out.append(f", urg {tcp.urgent}")
    if tcp.header_length > 20:
        area = emit_tcp(tcp, b"", b"")[20:]
        text, ok = _options_text(area, th_seq if rev else th_ack)
        out.append(text)
        if not ok:
            return "".join(out)
    out.append(f", length {length}")
    if length and (tcp.sport in _HTTP_PORTS or tcp.dport in _HTTP_PORTS):
        out.append(": " + txtproto_text(payload, "http"))
    return "".join(out)


def _options_text(area: bytes, sack_base: int) -> tuple[str, bool]:
    """``, options [...]``; False when tcpdump stops the line at a bad option."""
    out = [", options ["]
    pos, left, done = 0, len(area), 0
    try:
        while left > 0:
            if done:
                out.append(",")
            kind = area[pos]
            pos += 1
            size = 1
            if kind > 1:
                if pos >= len(area):
                    raise _BadOption
                size = area[pos]
                pos += 1
                if size < 2 or size > left:
                    raise _BadOption
                left -= 1
            left -= 1
            out.append(_OPTION_NAMES.get(kind, f"unknown-{kind}"))
            shown, text = _option_value(kind, size, area[pos:], left, sack_base)
            out.append(text)
            pos += shown
            left -= shown
            # tcpdump moves on by what it read, not by the option's length byte
            if shown + (1 if kind <= 1 else 2) != size:
                out.append(f"[len {size}]")
            done += 1
            if kind == 0:
                break
    except _BadOption:
        out.append("[bad opt]")
        if done:
            out.append("]")
        return "".join(out), False
    out.append("]")
    return "".join(out), True


def _need(count: int, left: int) -> None:
    if count > left:
        raise _BadOption


def _option_value(kind: int, size: int, data: bytes, left: int, sack_base: int) -> tuple[int, str]:
    """How many data bytes tcpdump reads for an option and what it prints for them."""
    def u32(at: int) -> int:
        return int.from_bytes(data[at : at + 4], "big")

    if kind in (0, 1, 4):
        return 0, ""
    if kind == 2:
        _need(2, left)
        return 2, f" {int.from_bytes(data[:2], 'big')}"
    if kind == 3:
        _need(1, left)
        return 1, f" {data[0]}"
    if kind == 8:
        _need(8, left)
        return 8, f" val {u32(0)} ecr {u32(4)}"
    if kind in (6, 7, 11, 12, 13):
        _need(4, left)
        return 4, f" {u32(0)}"
    if kind == 5:
        datalen = size - 2
        if datalen % 8:
            return datalen, " invalid sack"
        _need(datalen, left)
        blocks = "".join(f"{{{u32(i) - sack_base & 0xFFFFFFFF}:{u32(i + 4) - sack_base & 0xFFFFFFFF}}}"
                         for i in range(0, datalen, 8))
        return datalen, f" {datalen // 8} {blocks}"
    if kind == 28:
        _need(2, left)
        value = int.from_bytes(data[:2], "big")
        minutes = value & 1
        return 2, f" 0x{value:x} {(value >> 1) * 60 if minutes else value >> 1}"
    datalen = size - 2
    _need(datalen, left)
    return datalen, (" 0x" + data[:datalen].hex()) if datalen else ""


def _fetch_token(data: bytes, idx: int) -> tuple[int, str]:
    """``fetch_token``: the printable token at ``idx`` and where the next one starts (0 when
    there is none: not ASCII, not printable, too long)."""
    start = idx
    while idx < len(data):
        c = data[idx]
        if c >= 0x80:
            return 0, ""
        if c in b" \t\r\n":
            break
        if not 0x20 <= c < 0x7F or idx - start >= _MAX_TOKEN:
            return 0, ""
        idx += 1
    if idx == start:
        return 0, ""
    token = data[start:idx].decode("ascii")
    while idx < len(data) and data[idx] not in b"\r\n" and 0x20 <= data[idx] < 0x7F:
        if data[idx] not in b" \t":
            break
        idx += 1
    return idx, token


def _first_line(data: bytes, protocol: str) -> str:
    """``print_txt_line`` for the first line: empty when it is not printable text or ends in
    a lone CR; a line the packet cuts short ends with ``[|protocol]``."""
    for idx, c in enumerate(data):
        if c == 0x0A:
            return ": " + data[:idx].decode("ascii")
        if c == 0x0D:
            if idx + 1 < len(data) and data[idx + 1] == 0x0A:
                return ": " + data[:idx].decode("ascii")
            return ""
        if not (0x20 <= c < 0x7F or c == 0x09):
            return ""
    return ": " + data.decode("ascii") + f" [|{protocol}]"


def txtproto_text(payload: bytes, protocol: str) -> str:
    """``txtproto_print`` for HTTP: the protocol name, then the request or status line."""
    idx, token = _fetch_token(payload, 0)
    shown = False
    if idx:
        shown = token.upper() in _HTTP_METHODS
        idx, token = _fetch_token(payload, idx)
        if idx and len(token) == 3 and token.isdigit():
            shown = True
    return protocol.upper() + (_first_line(payload, protocol) if shown else "")
