"""``ping`` (Debian 12's iputils 20221126) over a raw ICMP socket, IPv4.

Simulated: ``-c N -W SECS -w SECS -I IF|ADDR -i SECS -q -n -s SIZE -t TTL -4 -V``.
One echo request per interval (1 s) of simulated time, each carrying its
send time; replies print ``64 bytes from ADDR: icmp_seq=N ttl=T time=X ms``,
ICMP errors about our requests (what the socket's IP_RECVERR queue reports)
``From ADDR icmp_seq=N Destination Port Unreachable``; then the statistics.
After the last request ping waits ``-W`` seconds (10 by default) for an
answer, or twice the longest round trip once it had one. Exit status 0 when
a reply came, 1 when none did, 2 for errors before the first request.

What the real one does that the tutorial's older ping did not: a request
that the OUTPUT chain drops (sendmsg fails with EPERM) is counted as
transmitted and reported with nothing at all (iputils 20221126 takes the
empty error queue for an error it already reported). When the chain
REJECTs it, the ICMP error is already queued: ``From ...`` then
``ping: sendmsg: Operation not permitted``.
"""

from __future__ import annotations

import errno
import os
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address

from ..packet.headers import Packet
from ..stack.dgram_socket import RawSocket, UdpSocket
from ..stack.sockets import (
    AF_INET,
    AF_UNSPEC,
    ICMP_FILTER,
    IP_TTL,
    IPPROTO_ICMP,
    SO_BINDTODEVICE,
    SOCK_DGRAM,
    SOCK_RAW,
    SOL_IP,
    SOL_RAW,
    SOL_SOCKET,
    SocketApi,
)
from .base import Io
from .gnu_getopt import GetoptError, gnu_getopt
from .net_context import has_address, process, socket_api, wall_clock
from .ping_report import Stats, format_rtt, icmp_text
from .resolver import EAI_AGAIN_TEXT, inet_aton, lookup, reverse
from .system import NotSimulated, System, error

SHORT = "h?4bRT:6F:N:aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:"
VERSION = (
    "ping from iputils 20221126\n"
    "libcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n"
)
INT_MAX, LONG_MAX = 2**31 - 1, 2**63 - 1
# the ICMP types ping's raw socket lets through (everything else is filtered)
_WANTED = (0, 3, 4, 5, 11, 12)
ICMP_FILTER_MASK = ~sum(1 << t for t in _WANTED) & 0xFFFFFFFF
_STRTOD = re.compile(r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.I)
_STRTOL = re.compile(r"\s*[+-]?\d+")


class _Exit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@dataclass
class Options:
    count: int = 0  # 0: until stopped
    linger_ms: int = 10000  # -W
    deadline: int = 0  # -w
    interval_ms: int = 1000
    device: str | None = None
    source: IPv4Address | None = None
    quiet: bool = False
    numeric: bool = False
    ipv4: bool = False  # -4: resolve the target as IPv4 only
    datalen: int = 56
    ttl: int | None = None


def usage(io: Io) -> int:
    from .ping_usage import USAGE

    io.err(USAGE)
    return 2


def _fail(io: Io, status: int, text: str) -> _Exit:
    error(io, f"ping: {text}\n")
    return _Exit(status)


def strtol_or_err(io: Io, text: str, low: int, high: int) -> int:
    """iputils' ``strtol_or_err`` with the message ``invalid argument``."""
    if not _STRTOL.fullmatch(text):
        raise _fail(io, 1, f"invalid argument: '{text}'")
    value = int(text)
    if not -(2**63) <= value <= LONG_MAX:
        raise _fail(io, 1, f"invalid argument: '{text}': Numerical result out of range")
    if not low <= value <= high:
        raise _fail(io, 1, f"invalid argument: '{text}': out of range: {low} <= value <= {high}")
    return value


def ping_strtod(io: Io, text: str, what: str) -> float:
    """``ping_strtod``: a number, with a warning (only) for trailing garbage."""
    match = _STRTOD.match(text)
    end = match.end() if match else 0
    if end != len(text) or not text:
        error(io, f"ping: option argument contains garbage: {text[end:]}\n")
        error(io, "ping: this will become fatal error in the future\n")
    value = float(match.group()) if match else 0.0
    if value != value or value in (float("inf"), float("-inf")):
        raise _fail(io, 2, f"{what}: {text}: Numerical result out of range")
    return value


def parse(argv: Sequence[str], io: Io) -> tuple[Options, list[str]]:
    try:
        parsed = gnu_getopt(argv, SHORT, ())
    except GetoptError as err:
        error(io, f"ping: {err.message}\n")
        raise _Exit(usage(io)) from None
    opts = Options()
    for code, arg in parsed.options:
        value = arg or ""
        if code == "c":
            opts.count = strtol_or_err(io, value, 1, LONG_MAX)
        elif code == "W":
            linger = ping_strtod(io, value, "bad linger time")
            if linger < 0 or linger > INT_MAX / 1000:
                raise _fail(io, 2, f"bad linger time: {value}")
            opts.linger_ms = int(linger * 1000)
        elif code == "i":
            interval = ping_strtod(io, value, "bad timing interval")
            if interval > INT_MAX / 1000:
                raise _fail(io, 2, f"bad timing interval: {value}")
            opts.interval_ms = int(interval * 1000)
        elif code == "w":
            opts.deadline = strtol_or_err(io, value, 0, INT_MAX)
        elif code == "I":
            if ":" in value:
                raise NotSimulated("ping -I with an IPv6 address")
            opts.source = inet_aton(value)
            opts.device = None if opts.source is not None else value
        elif code == "s":
            opts.datalen = strtol_or_err(io, value, 0, INT_MAX)
        elif code == "t":
            opts.ttl = strtol_or_err(io, value, 0, 255)
        elif code in ("q", "n"):
            setattr(opts, {"q": "quiet", "n": "numeric"}[str(code)], True)
        elif code == "V":
            io.out(VERSION)
            raise _Exit(0)
        elif code in ("h", "?"):
            raise _Exit(usage(io))
        elif code == "4":
            opts.ipv4 = True
        else:
            raise NotSimulated(f"ping -{code}")
    if opts.interval_ms <= 0 or opts.datalen > 65507:
        raise NotSimulated("ping with a zero interval or an oversized packet")
    return opts, list(parsed.operands)


def ping_main(argv: Sequence[str], io: Io, system: System) -> int:
    try:
        opts, operands = parse(argv, io)
        if not operands:
            raise _fail(io, 1, f"usage error: {os.strerror(errno.EDESTADDRREQ)}")
        if len(operands) > 1:
            raise NotSimulated("ping through a source route (several hosts)")
        return Ping(opts, operands[0], io, system).run()
    except _Exit as done:
        return done.status


class Ping:
    def __init__(self, opts: Options, target: str, io: Io, system: System) -> None:
        self.opts = opts
        self.target = target
        self.io = io
        self.system = system
        self.api: SocketApi = socket_api(system)
        self.ident = process(system).pid & 0xFFFF  # rand() in the real one
        self.stats = Stats()
        self.timing = opts.datalen >= 16

    def now_us(self) -> int:
        return int(round(wall_clock(self.system) * 1e6))

    # -- set-up (ping4_run) ------------------------------------------------------------------

    def run(self) -> int:
        opts, io = self.opts, self.io
        sock = self.api.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
        assert isinstance(sock, RawSocket)
        self.sock = sock
        answer = lookup(self.system, self.target, AF_INET if opts.ipv4 else AF_UNSPEC)
        if answer is None:
            raise _fail(io, 2, f"{self.target}: {EAI_AGAIN_TEXT}")
        if answer.addresses[0].version != 4:
            raise NotSimulated("ping to an IPv6 address")
        self.dst = answer.ipv4[0]
        numeric = inet_aton(self.target) is not None
        self.hostname = self.target if numeric else answer.canonical
        self.numeric = opts.numeric or numeric
        source = opts.source if opts.source is not None else self.probe_source()
        if opts.source is not None:
            try:
                sock.bind((str(source), 0))
            except OSError as err:
                raise _fail(io, 2, f"bind: {err.strerror}") from None
        sock.setsockopt(SOL_RAW, ICMP_FILTER, ICMP_FILTER_MASK)
        if opts.ttl is not None:
            try:
                sock.setsockopt(SOL_IP, IP_TTL, opts.ttl)
            except OSError as err:
                raise _fail(io, 2, f"cannot set unicast time-to-live: {err.strerror}") from None
        via = ""
        if opts.device is not None or opts.source is not None:
            via = f"from {source} {opts.device or ''}: "
        io.out(
            f"PING {self.hostname} ({self.dst}) {via}"
            f"{opts.datalen}({opts.datalen + 28}) bytes of data.\n"
        )
        return self.main_loop()

    def probe_source(self) -> IPv4Address:
        """The source the kernel picks: a UDP socket connected to the target, port 1025."""
        probe = self.api.socket(AF_INET, SOCK_DGRAM)
        assert isinstance(probe, UdpSocket)
        device = self.opts.device
        try:
            if device is not None:
                for s in (probe, self.sock):
                    try:
                        s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, device.encode() + b"\0")
                    except OSError as err:
                        raise _fail(
                            self.io, 2, f"SO_BINDTODEVICE {device}: {err.strerror}"
                        ) from None
            try:
                probe.connect((str(self.dst), 1025))
            except OSError as err:
                raise _fail(self.io, 2, f"connect: {err.strerror}") from None
            source = IPv4Address(probe.getsockname()[0])
        finally:
            probe.close()
        if device is not None and not has_address(self.system, device, source):
            error(
                self.io,
                f"ping: Warning: source address might be selected on device other than: {device}\n",
            )
        return source

    # -- the loop (main_loop, pinger) ------------------------------------------------------

    def main_loop(self) -> int:
        opts, stats = self.opts, self.stats
        start = self.api.now
        last_send = start
        next_send = start
        exit_at = start + opts.deadline if opts.deadline else None
        while True:
            if opts.count and stats.nreceived + stats.nerrors >= opts.count:
                break
            if opts.deadline and stats.nerrors:
                break
            now = self.api.now
            if exit_at is not None and now >= exit_at - 1e-9:
                break
            more = not opts.count or stats.ntransmitted < opts.count or opts.deadline
            if more and now >= next_send - 1e-9:
                self.send(stats.ntransmitted + 1)
                last_send, next_send = now, now + opts.interval_ms / 1000
                if opts.count and stats.ntransmitted >= opts.count and not opts.deadline:
                    if stats.nreceived:
                        wait_us = max(2 * stats.tmax, 1000 * opts.interval_ms)
                    else:
                        wait_us = opts.linger_ms * 1000
                    exit_at = now + wait_us / 1e6  # __schedule_exit's alarm
                continue
            wakes = [t for t in (exit_at, next_send if more else None) if t is not None]
            self.receive(min(wakes) - now if wakes else None)
        self.io.out("\n")
        self.io.flush()
        elapsed_ns = int(round((last_send - start) * 1e9))
        self.io.out(self.stats.summary(self.hostname, elapsed_ns, self.timing))
        self.io.flush()
        late = opts.deadline and stats.nreceived < opts.count
        return 1 if not stats.nreceived or late else 0

    def send(self, seq: int) -> None:
        """``pinger``: an echo request stamped with the time; a failure counts as sent."""
        datalen = self.opts.datalen
        data = bytearray(i & 0xFF for i in range(datalen))
        if self.timing:
            sec, usec = divmod(self.now_us(), 1000000)
            data[:16] = struct.pack("<qq", sec, usec)
        message = struct.pack("!BBHHH", 8, 0, 0, self.ident, seq & 0xFFFF) + bytes(data)
        try:
            self.sock.sendto(message, (str(self.dst), 0))
        except OSError as err:
            self.stats.ntransmitted += 1
            self.hard_local_error(err)
            return
        self.stats.ntransmitted += 1

    def hard_local_error(self, err: OSError) -> None:
        """``pinger`` after a failed sendmsg: it reads the socket's error queue at once.
        A REJECT in OUTPUT answers from inside the hook, and the loopback delivers that
        ICMP error before sendmsg returns: ping prints it, then ``sendmsg: STRERROR``.
        An empty queue (a plain DROP) prints nothing: see the module docstring."""
        self.api.process.wait([], 0.0)  # the loopback's pending delivery (a softirq) runs
        before = self.stats.nerrors
        while self.sock.poll_readable():
            self.receive(0.0)
        if self.stats.nerrors > before and not self.opts.quiet:
            error(self.io, f"ping: sendmsg: {os.strerror(err.errno or 0)}\n")

    def receive(self, timeout: float | None) -> None:
        self.sock.settimeout(max(timeout, 0.0) if timeout is not None else None)
        try:
            packet, _ = self.sock.recvpacket()
        except (TimeoutError, BlockingIOError):
            return
        icmp = packet.icmp
        if icmp is None:
            return
        if icmp.type == 0 and icmp.ident == self.ident:
            self.reply(packet, icmp.seq)
        elif icmp.type in (3, 11, 12) and icmp.quoted is not None:
            quoted = icmp.quoted
            echo = quoted.icmp
            if echo is None or echo.type != 8 or quoted.ip.dst != self.dst:
                return
            if echo.ident != self.ident:
                return
            # what the error queue reports (ping4_receive_error_msg)
            self.stats.acknowledge(echo.seq)
            self.stats.nerrors += 1
            if not self.opts.quiet:
                text = icmp_text(icmp.type, icmp.code, icmp.mtu)
                self.io.out(f"From {self.addr(packet.ip.src)} icmp_seq={echo.seq} {text}\n")
                self.io.flush()

    def reply(self, packet: Packet, seq: int) -> None:
        payload = packet.payload
        triptime = None
        if self.timing and len(payload) >= 16:
            sec, usec = struct.unpack("<qq", payload[:16])
            triptime = max(self.now_us() - (sec * 1000000 + usec), 0)
        duplicate = self.stats.reply(seq, triptime)
        if self.opts.quiet:
            return
        line = f"{len(payload) + 8} bytes from {self.addr(packet.ip.src)}: icmp_seq={seq}"
        line += f" ttl={packet.ip.ttl}"
        if len(payload) < self.opts.datalen:
            self.io.out(line + " (truncated)\n")
            self.io.flush()
            return
        if triptime is not None:
            line += f" time={format_rtt(triptime)} ms"
        if duplicate:
            line += " (DUP!)"
        if packet.ip.src != self.dst:
            line += " (DIFFERENT ADDRESS!)"
        self.io.out(line + "\n")
        self.io.flush()

    def addr(self, address: IPv4Address) -> str:
        """``pr_addr``: ``name (address)`` when the address has a name and ping may look it
        up; else the address (the reverse DNS query fails with EAI_AGAIN, so glibc does not
        fall back to the number as the name)."""
        name = None if self.numeric else reverse(self.system, address)
        return f"{name} ({address})" if name else str(address)
