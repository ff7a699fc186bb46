"""One TCP connection (``struct tcp_sock``): handshake, data, ACKs, FIN, RST, timers.

Written after Linux without congestion control: segments are sent up to the
MSS and the peer's window, acknowledged at once (a FIN in ESTABLISHED gets a
short delayed ACK, so an application closing right away sends ``FIN|ACK``
as on Linux), retransmitted on the RTO (:mod:`.tcp_timers`); what an
arriving segment does is :mod:`.tcp_input`. Segments leave through
``host.output``: a connection never touches packets, routes or sockets.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from ..packet.headers import TCP
from . import tcp_options as opt
from .tcp_input import segment_arrives, timewait_accepts_syn
from .tcp_timers import RetransmitTimer
from .tcp_types import (
    ACK,
    FIN,
    MASK,
    PSH,
    RECEIVING_STATES,
    RST,
    SENDING_STATES,
    SYN,
    IPAddress,
    Segment,
    Sent,
    TcpHost,
    TcpState,
    seq_diff,
)

S = TcpState
TIME_WAIT_LEN = 60.0  # TCP_TIMEWAIT_LEN
DELAYED_ACK = 0.004  # the delayed ACK of a FIN, as measured on 6.18 (lo and veth)
SEND_BUFFER = 4 * 1024 * 1024  # tcp_wmem[2]: send() blocks beyond this

__all__ = ["Segment", "TcpConnection", "TcpState", "seq_diff"]


@dataclass(eq=False)
class TcpConnection:
    host: TcpHost
    local_addr: IPAddress
    local_port: int
    remote_addr: IPAddress
    remote_port: int
    mtu: int = 1500
    reuse: bool = False
    device: str = ""
    v6only: bool = False
    owner: Any = None  # the socket's owner (uid, gid) for ``-m owner``
    tos: int = 0  # IP_TOS
    ttl: int | None = None  # IP_TTL (None: net.ipv4.ip_default_ttl)
    parent: Any = None  # the listener of a passive connection until it is accepted
    state: TcpState = TcpState.CLOSE
    err: int = 0  # sk_err: reported (and cleared) by the next call
    soft_err: int = 0  # sk_err_soft: reported only when the connection times out
    # connect() blocks (no O_NONBLOCK, no Python timeout): only then is an ICMP error about
    # the first SYN soft (measured: a non-blocking connect, as curl's, fails at once)
    blocking_connect: bool = True
    orphan: bool = False  # the application closed its socket
    rd_shut: bool = False
    wr_shut: bool = False
    fin_rcvd: bool = False
    sendq: bytearray = field(default_factory=bytearray)
    rcvbuf: bytearray = field(default_factory=bytearray)
    unacked: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        host = self.host
        self.changed = host.signal()
        self.iss = host.secure_seq(self.local_addr, self.remote_addr, self.local_port, self.remote_port)
        self.snd_una = self.snd_nxt = self.iss
        self.irs = self.rcv_nxt = self.rcv_edge = 0
        self.snd_wnd = 0
        self.advmss = opt.advertised_mss(self.mtu)
        self.mss = self.advmss
        self.rcv_wscale = opt.window_scale(
            max(
                host.sysctl("net.ipv4.tcp_rmem", 6291456, 2),
                host.sysctl("net.core.rmem_max", 212992),
            )
        )
        self.snd_wscale = 0
        self.ts_ok = bool(host.sysctl("net.ipv4.tcp_timestamps", 1))
        self.sack_ok = bool(host.sysctl("net.ipv4.tcp_sack", 1))
        self.ws_ok = bool(host.sysctl("net.ipv4.tcp_window_scaling", 1))
        self.ts_offset = host.secure_ts_off(self.local_addr, self.remote_addr)
        self.ts_recent = 0
        self.rcv_space = opt.initial_window(self.advmss)
        self.ident = host.rng_bits(16)
        self.fin_queued = False  # the application asked for a FIN (close or shutdown)
        self.fin_sent = False
        self.ack_pending = False
        # ``sk_dst_pending_confirm``: an ACK showed the peer hears us; the next segment sent
        # confirms its neighbour entry (``sock_confirm_neigh``)
        self.dst_pending_confirm = False
        self.rtx = RetransmitTimer(self)
        self._delack: Any = None
        self._tw_timer: Any = None

    # -- the port table's view (ports.PortHolder) ------------------------------------------

    @property
    def bound_addr(self) -> IPAddress:
        return self.local_addr

    @property
    def bound_port(self) -> int:
        return self.local_port

    @property
    def listening(self) -> bool:
        return False

    @property
    def key(self) -> tuple[IPAddress, int, IPAddress, int]:
        return (self.local_addr, self.local_port, self.remote_addr, self.remote_port)

    # -- opening -------------------------------------------------------------------------

    def connect(self) -> None:
        """Active open: send the SYN (``tcp_connect``)."""
        self.state = S.SYN_SENT
        self.send_syn()
        self.rtx.start_syn()

    def accept_syn(self, seg: Segment) -> None:
        """Passive open from a listener's SYN (``tcp_conn_request``): answer SYN-ACK."""
        info = opt.parse(seg.tcp)
        self.irs = seg.tcp.seq
        self.rcv_nxt = (seg.tcp.seq + 1) & MASK
        self.negotiate(info)
        self.snd_wnd = seg.tcp.window
        # the SYN-ACK's window counts segments without the timestamps
        self.rcv_space = opt.initial_window(self.advmss - (opt.TS_SIZE if self.ts_ok else 0))
        self.state = S.SYN_RECV
        self.send_syn()
        self.rtx.start_syn()

    def negotiate(self, info: opt.SynInfo) -> None:
        self.ts_ok = self.ts_ok and info.ts is not None
        self.sack_ok = self.sack_ok and info.sack
        self.ws_ok = self.ws_ok and info.wscale is not None
        if info.ts is not None:
            self.ts_recent = info.ts[0]
        if self.ws_ok and info.wscale is not None:
            self.snd_wscale = info.wscale
        else:
            self.snd_wscale = self.rcv_wscale = 0
        peer_mss = info.mss if info.mss is not None else 536  # RFC 1122 default
        self.mss = min(peer_mss, self.advmss) - (opt.TS_SIZE if self.ts_ok else 0)

    def send_syn(self) -> None:
        flags = SYN if self.state is S.SYN_SENT else SYN | ACK
        self._emit(flags, self.iss, syn=True)
        if self.snd_nxt == self.iss:
            self.snd_nxt = (self.iss + 1) & MASK
            self.unacked = [Sent(self.iss, flags)]

    # -- output --------------------------------------------------------------------------

    def _ts_val(self) -> int:
        return (int(self.host.now() * 1000) + self.ts_offset) & MASK

    def receive_window(self) -> int:
        return max(0, self.rcv_space - len(self.rcvbuf))

    def _emit(self, flags: int, seq: int, data: bytes = b"", syn: bool = False) -> bool:
        if syn:
            ts = (self._ts_val(), self.ts_recent if flags & ACK else 0) if self.ts_ok else None
            ws = self.rcv_wscale if self.ws_ok else None
            options = opt.syn_options(self.advmss, ws, self.sack_ok, ts)
            window = min(self.rcv_space, 0xFFFF)  # a SYN's window is never scaled
            self.rcv_edge = (self.rcv_nxt + window) & MASK
        else:
            options = opt.segment_options((self._ts_val(), self.ts_recent) if self.ts_ok else None)
            window = opt.window_field(self.receive_window(), self.rcv_wscale)
            self.rcv_edge = (self.rcv_nxt + (window << self.rcv_wscale)) & MASK
        if flags & ACK:
            self.ack_pending = False
        tcp = TCP(
            self.local_port,
            self.remote_port,
            seq & MASK,
            self.rcv_nxt if flags & ACK else 0,
            int(flags),
            window,
            options=options,
        )
        # a SYN-ACK leaves with IP id 0 (``ip_build_and_send_pkt`` with DF), the rest count up
        ident = 0 if syn and flags & ACK else self._next_ident()
        return self.host.output(self, tcp, data, ident)

    def _next_ident(self) -> int:
        ident = self.ident
        self.ident = (self.ident + 1) & 0xFFFF
        return ident

    def send_ack(self) -> None:
        self._emit(ACK, self.snd_nxt)

    def push(self) -> None:
        """``tcp_write_xmit``: queued data up to the peer's window, then a pending FIN."""
        if self.state not in SENDING_STATES and self.state not in (S.FIN_WAIT1, S.LAST_ACK):
            return
        while self.sendq and not self.fin_sent:
            room = seq_diff((self.snd_una + self.snd_wnd) & MASK, self.snd_nxt)
            if room <= 0:
                self.rtx.ensure()  # the peer's window is closed: probe it on the timer
                return
            size = min(len(self.sendq), self.mss, room)
            chunk = bytes(self.sendq[:size])
            del self.sendq[:size]
            flags = ACK | (PSH if not self.sendq else 0)
            self._emit(flags, self.snd_nxt, chunk)
            self.unacked.append(Sent(self.snd_nxt, flags, chunk))
            self.snd_nxt = (self.snd_nxt + size) & MASK
        if self.fin_queued and not self.sendq and not self.fin_sent:
            self.fin_sent = True
            self._emit(FIN | ACK, self.snd_nxt)
            self.unacked.append(Sent(self.snd_nxt, FIN | ACK))
            self.snd_nxt = (self.snd_nxt + 1) & MASK
        if self.unacked:
            self.rtx.ensure()
        self.changed.notify()

    def probe_window(self) -> None:
        """A zero-window probe: an old sequence number the peer answers with its window."""
        self._emit(ACK, (self.snd_una - 1) & MASK)

    def retransmit_all(self) -> None:
        for sent in self.unacked:
            self._emit(sent.flags, sent.seq, sent.data, syn=bool(sent.flags & SYN))

    def delay_ack(self) -> None:
        self.ack_pending = True
        self._delack = self.host.timer(DELAYED_ACK, self._delayed_ack)

    def _delayed_ack(self) -> None:
        if self.ack_pending and self.state is not S.CLOSE:
            self.send_ack()

    # -- input ---------------------------------------------------------------------------

    def input(self, seg: Segment) -> None:
        segment_arrives(self, seg)

    def timewait_accepts_syn(self, seg: Segment) -> bool:
        return timewait_accepts_syn(self, seg)

    # -- the end of a connection -----------------------------------------------------------

    def reset_received(self) -> None:
        """``tcp_reset``: the error the application will see, then the end."""
        if self.state is S.SYN_SENT:
            self.err = errno.ECONNREFUSED
        elif self.state is S.CLOSE_WAIT:
            self.err = errno.EPIPE
        elif self.state is S.SYN_RECV and self.parent is not None:
            return self.done()  # a request the listener never showed: just gone
        else:
            self.err = errno.ECONNRESET
        self.done()
        return None

    def icmp_error(self, err: int, seq: int) -> None:
        """``tcp_v4_err`` for an ICMP error quoting one of our segments (sequence ``seq``)."""
        if seq_diff(seq, self.snd_una) < 0 or seq_diff(seq, self.snd_nxt) >= 0:
            return
        if self.state in (S.SYN_SENT, S.SYN_RECV) and self.parent is None:
            if self.rtx.in_user_context and self.blocking_connect:
                # the socket was locked by connect(): only a soft error, the next
                # (timer-driven) retransmission's error is final
                self.soft_err = err
                return
            self.err = err
            self.done()
            return
        self.soft_err = err

    def timed_out(self) -> None:
        """``tcp_write_err``."""
        self.err = self.soft_err or errno.ETIMEDOUT
        self.done()

    def done(self) -> None:
        """``tcp_done``: CLOSE, timers stopped, the tables forget the connection."""
        self.state = S.CLOSE
        self.rd_shut = self.wr_shut = True
        self.rtx.stop()
        for timer in (self._delack, self._tw_timer):
            if timer is not None:
                timer.cancelled = True
        self.host.release(self)
        self.changed.notify()

    def enter_time_wait(self) -> None:
        self.state = S.TIME_WAIT
        self.rtx.stop()
        if self._tw_timer is not None:
            self._tw_timer.cancelled = True
        self._tw_timer = self.host.timer(TIME_WAIT_LEN, self.done)
        self.changed.notify()

    def fin_wait2_timeout(self) -> None:
        """An orphan in FIN_WAIT2 waits ``tcp_fin_timeout`` for the peer's FIN."""
        if self._tw_timer is not None:
            self._tw_timer.cancelled = True
        self._tw_timer = self.host.timer(
            float(self.host.sysctl("net.ipv4.tcp_fin_timeout", 60)), self.done
        )

    # -- what the socket calls ---------------------------------------------------------------

    def send_reset(self) -> None:
        """``tcp_send_active_reset``."""
        self._emit(RST | ACK, self.snd_nxt)

    def shutdown_write(self) -> None:
        """``tcp_shutdown(SEND_SHUTDOWN)``: a FIN after the queued data."""
        if self.wr_shut:
            return
        self.wr_shut = True
        if self.state is S.ESTABLISHED:
            self.state = S.FIN_WAIT1
        elif self.state is S.CLOSE_WAIT:
            self.state = S.LAST_ACK
        elif self.state in (S.SYN_SENT, S.SYN_RECV):
            return self.done() if self.state is S.SYN_SENT else None
        else:
            return None
        self.fin_queued = True
        self.push()
        return None

    def close(self) -> None:
        """``tcp_close``: unread data means RST, else a FIN; the connection lives on as an
        orphan."""
        self.orphan = True
        self.rd_shut = True
        if self.state in (S.CLOSE, S.TIME_WAIT):
            return
        if self.state is S.SYN_SENT:
            return self.done()
        if self.rcvbuf and self.state not in (S.SYN_RECV,):
            self.rcvbuf.clear()
            self.send_reset()
            return self.done()
        self.shutdown_write()
        if self.state is S.FIN_WAIT2:
            self.fin_wait2_timeout()
        return None

    def abort(self) -> None:
        """A listener's unaccepted child when the listener closes (``tcp_disconnect``)."""
        if self.state not in (S.CLOSE, S.SYN_SENT, S.TIME_WAIT, S.SYN_RECV):
            self.send_reset()
        self.done()

    def take_error(self) -> int:
        """``sock_error``: the pending error, cleared."""
        err, self.err = self.err, 0
        return err

    def read(self, size: int) -> bytes:
        data = bytes(self.rcvbuf[:size])
        before = seq_diff(self.rcv_edge, self.rcv_nxt)
        del self.rcvbuf[:size]
        # ``tcp_cleanup_rbuf``: announce a window that at least doubled
        if data and self.state in RECEIVING_STATES and 2 * before <= self.rcv_space:
            window = opt.window_field(self.receive_window(), self.rcv_wscale) << self.rcv_wscale
            if window >= 2 * max(before, 1):
                self.send_ack()
        return data

    def write(self, data: bytes) -> int:
        room = SEND_BUFFER - len(self.sendq) - seq_diff(self.snd_nxt, self.snd_una)
        taken = data[: max(0, room)]
        self.sendq += taken
        self.push()
        return len(taken)

    @property
    def send_space(self) -> int:
        return SEND_BUFFER - len(self.sendq) - seq_diff(self.snd_nxt, self.snd_una)
