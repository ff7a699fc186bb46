"""What a TCP connection does with a segment that reached it (``tcp_rcv_state_process``,
``tcp_rcv_synsent_state_process``, ``tcp_timewait_state_process``).

The order is the kernel's: sequence check (an unacceptable segment gets a
duplicate ACK), RST (exactly at ``rcv_nxt`` it resets, elsewhere in the
window it earns a challenge ACK, RFC 5961), SYN (challenge ACK), ACK
processing, then data and FIN. Out-of-order data is not queued: the sender's
retransmission fills the hole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import tcp_options as opt
from .tcp_types import ACK, FIN, MASK, RECEIVING_STATES, RST, SYN, Segment, TcpState, seq_diff

if TYPE_CHECKING:
    from .tcp import TcpConnection

S = TcpState


def segment_arrives(conn: TcpConnection, seg: Segment) -> None:
    th = seg.tcp
    if conn.state is S.SYN_SENT:
        return _synsent(conn, seg)
    if conn.state is S.TIME_WAIT:
        return _timewait(conn, seg)
    if conn.state is S.CLOSE:
        return None
    if not _acceptable(conn, seg):
        if not th.flags & RST:
            conn.send_ack()  # ``tcp_send_dupack``
        return None
    if th.flags & RST:
        if th.seq == conn.rcv_nxt:
            return conn.reset_received()
        return conn.send_ack()  # challenge ACK
    if th.flags & SYN:
        if conn.state is S.SYN_RECV and th.seq == conn.irs:
            return conn.send_syn()  # the peer retransmitted its SYN: answer again
        return conn.send_ack()  # challenge ACK
    if not th.flags & ACK:
        return None
    if conn.state is S.SYN_RECV:
        if th.ack != conn.snd_nxt:
            return conn.host.send_reset(seg)
        if not _complete_passive_open(conn, seg):
            return None
    if _ack(conn, seg):
        _data(conn, seg)
    return None


def _acceptable(conn: TcpConnection, seg: Segment) -> bool:
    """``tcp_sequence``: the segment overlaps the receive window."""
    end = (seg.tcp.seq + seg.length) & MASK
    return seq_diff(end, conn.rcv_nxt) >= 0 and seq_diff(seg.tcp.seq, conn.rcv_edge) <= 0


def _synsent(conn: TcpConnection, seg: Segment) -> None:
    th = seg.tcp
    if th.flags & ACK and th.ack != conn.snd_nxt:
        if not th.flags & RST:
            conn.host.send_reset(seg)
        return
    if th.flags & RST:
        if th.flags & ACK:
            conn.reset_received()
        return
    if not th.flags & SYN or not th.flags & ACK:
        return  # simultaneous open is not simulated
    conn.negotiate(opt.parse(th))
    conn.irs = th.seq
    conn.rcv_nxt = (th.seq + 1) & MASK
    conn.snd_una = th.ack
    conn.dst_pending_confirm = True  # the SYN-ACK acknowledged our SYN (``tcp_ack``)
    conn.snd_wnd = th.window  # never scaled in a SYN
    conn.unacked.clear()
    conn.rtx.stop()
    conn.state = S.ESTABLISHED
    conn.send_ack()
    conn.push()
    conn.changed.notify()


def _complete_passive_open(conn: TcpConnection, seg: Segment) -> bool:
    """The handshake's last ACK puts the connection in the listener's accept queue, unless
    it is full: then the ACK is dropped and the SYN-ACK timer goes on
    (``tcp_abort_on_overflow=0``)."""
    conn.state = S.ESTABLISHED
    if not conn.host.established(conn):
        conn.state = S.SYN_RECV
        return False
    conn.snd_una = seg.tcp.ack
    conn.dst_pending_confirm = True  # the handshake's ACK acknowledged our SYN-ACK
    conn.unacked.clear()
    conn.rtx.stop()
    conn.snd_wnd = seg.tcp.window << conn.snd_wscale
    conn.changed.notify()
    return True


def _ack(conn: TcpConnection, seg: Segment) -> bool:
    """``tcp_ack``: False when the segment goes no further."""
    th = seg.tcp
    if seq_diff(th.ack, conn.snd_nxt) > 0:
        conn.send_ack()  # acknowledges something never sent
        return False
    if conn.ts_ok:
        ts = opt.parse(th).ts
        if ts is not None and seq_diff(th.seq, conn.rcv_nxt) <= 0:
            conn.ts_recent = ts[0]
    window = th.window << conn.snd_wscale
    progress = seq_diff(th.ack, conn.snd_una) > 0
    if progress or (not seg.payload and not th.flags & FIN and window == conn.snd_wnd):
        # ``sk_dst_confirm`` for forward progress or a pure duplicate ACK (not FLAG_NOT_DUP)
        conn.dst_pending_confirm = True
    conn.snd_wnd = window
    if progress:
        conn.snd_una = th.ack
        conn.unacked = [s for s in conn.unacked if seq_diff(s.end, th.ack) > 0]
        conn.rtx.acked(bool(conn.unacked))
        fin_acked = th.ack == conn.snd_nxt and conn.fin_sent
        if fin_acked and conn.state is S.FIN_WAIT1:
            conn.state = S.FIN_WAIT2
            if conn.orphan:
                conn.fin_wait2_timeout()
        elif fin_acked and conn.state is S.CLOSING:
            conn.enter_time_wait()
        elif fin_acked and conn.state is S.LAST_ACK:
            conn.done()
            return False
        conn.changed.notify()
    conn.push()
    return True


def _data(conn: TcpConnection, seg: Segment) -> None:
    """``tcp_data_queue`` and ``tcp_fin``."""
    th = seg.tcp
    data = seg.payload
    offset = seq_diff(conn.rcv_nxt, th.seq)
    if data and conn.state in (S.FIN_WAIT1, S.FIN_WAIT2) and conn.orphan and len(data) > offset:
        # new data for a socket nobody will read: ``tcp_reset``, and a RST to the sender
        conn.host.send_reset(seg)
        return conn.reset_received()
    fin = bool(th.flags & FIN)
    if offset < 0:
        return conn.send_ack()  # out of order
    if not data and not fin:
        return None
    if offset >= len(data) + fin:
        return conn.send_ack()  # a retransmission of what we have: ACK at once
    if data and conn.state in RECEIVING_STATES:
        room = max(0, seq_diff(conn.rcv_edge, conn.rcv_nxt))
        fresh = data[offset:][:room]
        conn.rcvbuf += fresh
        conn.rcv_nxt = (conn.rcv_nxt + len(fresh)) & MASK
        fin = fin and len(fresh) == len(data) - offset
    if fin and not conn.fin_rcvd:
        conn.rcv_nxt = (conn.rcv_nxt + 1) & MASK
        _fin(conn)
    else:
        conn.send_ack()
    conn.changed.notify()
    return None


def _fin(conn: TcpConnection) -> None:
    """``tcp_fin``: in ESTABLISHED the ACK is delayed (pingpong mode), so an application
    closing at once sends FIN|ACK."""
    conn.fin_rcvd = True
    if conn.state is S.ESTABLISHED:
        conn.state = S.CLOSE_WAIT
        conn.delay_ack()
        return
    if conn.state is S.FIN_WAIT1:
        conn.state = S.CLOSING
    elif conn.state is S.FIN_WAIT2:
        conn.enter_time_wait()
    conn.send_ack()


def _timewait(conn: TcpConnection, seg: Segment) -> None:
    """Without PAWS: a RST ends TIME_WAIT (tcp_rfc1337=0), a retransmitted FIN is
    acknowledged again and restarts the timer."""
    th = seg.tcp
    if th.flags & RST:
        return conn.done()
    if th.flags & FIN:
        conn.send_ack()
        conn.enter_time_wait()
    return None


def timewait_accepts_syn(conn: TcpConnection, seg: Segment) -> bool:
    """``TCP_TW_SYN`` (``tcp_timewait_state_process``): a new SYN may reuse the 4-tuple when
    it starts beyond the old connection's sequence space or carries a newer timestamp, and
    PAWS does not reject it (its timestamp older than the last one seen)."""
    th = seg.tcp
    if not th.flags & SYN or th.flags & (ACK | RST):
        return False
    ts = opt.parse(th).ts if conn.ts_ok else None
    if ts is not None and seq_diff(conn.ts_recent, ts[0]) > 1:
        return False  # ``tcp_paws_reject``
    return seq_diff(th.seq, conn.rcv_nxt) > 0 or (ts is not None and seq_diff(conn.ts_recent, ts[0]) < 0)
