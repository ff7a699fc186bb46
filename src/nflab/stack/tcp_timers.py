"""The retransmission timer of one TCP connection (``tcp_retransmit_timer``,
``tcp_write_timeout``, ``reqsk_timer_handler``, ``tcp_probe_timer``).

SYN (Linux 6.18): the first ``net.ipv4.tcp_syn_linear_timeouts`` (4)
retransmissions come one RTO (1 s) apart, then the RTO doubles; the attempt
fails with ETIMEDOUT at the first timeout after ``tcp_syn_retries`` +
``tcp_syn_linear_timeouts`` retransmissions, or once the classic exponential
model of ``tcp_syn_retries`` has elapsed (``retransmits_timed_out``). With
the defaults (6, 4) SYNs leave at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s and
connect() fails at 131 s; with linear timeouts 0 it is the classic
0, 1, 3, 7, 15, 31, 63 and 127 s. A SYN-ACK is resent at 1, 3, 7, 15, 31 s
(``tcp_synack_retries`` 5) and dropped at 63 s. Data is resent from an RTO of
200 ms (``TCP_RTO_MIN``: the simulated links have no delay worth measuring),
doubling, until ``tcp_retries2`` (15) worth of the model has passed (8 for
an orphan: ``tcp_orphan_retries`` 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tcp import TcpConnection

TCP_RTO_MAX = 120.0
TCP_TIMEOUT_INIT = 1.0
TCP_RTO_MIN = 0.2


def model_timeout(boundary: int, rto_base: float) -> float:
    """``tcp_model_timeout``: how long ``boundary`` exponential retransmissions last."""
    thresh = int(TCP_RTO_MAX / rto_base).bit_length() - 1  # ilog2
    if boundary <= thresh:
        return ((2 << boundary) - 1) * rto_base
    return ((2 << thresh) - 1) * rto_base + (boundary - thresh) * TCP_RTO_MAX


class RetransmitTimer:
    def __init__(self, conn: TcpConnection) -> None:
        self.conn = conn
        self.event: Any = None
        self.rto = TCP_RTO_MIN
        self.retransmits = 0
        self.start = 0.0  # when the oldest unacknowledged segment was first sent

    def _arm(self) -> None:
        self.stop()
        self.event = self.conn.host.timer(self.rto, self._fire)

    def stop(self) -> None:
        if self.event is not None:
            self.event.cancelled = True
            self.event = None

    def start_syn(self) -> None:
        self.rto = TCP_TIMEOUT_INIT
        self.retransmits = 0
        self.start = self.conn.host.now()
        self._arm()

    def ensure(self) -> None:
        """Something waits for an ACK (or for the peer's window): keep the timer running."""
        if self.event is None:
            self.start = self.conn.host.now()
            self._arm()

    def acked(self, more: bool) -> None:
        """New data was acknowledged: back to the base RTO, restart if more is in flight."""
        self.stop()
        self.retransmits = 0
        self.rto = TCP_RTO_MIN
        if more:
            self.ensure()

    @property
    def in_user_context(self) -> bool:
        """The connection's first transmission is still under way (connect() holds the
        socket lock while the SYN loops through the namespaces of one host)."""
        return self.retransmits == 0

    def _fire(self) -> None:
        self.event = None
        conn = self.conn
        host = conn.host
        from .tcp import TcpState

        elapsed = host.now() - self.start
        if conn.state is TcpState.SYN_SENT:
            retries = host.sysctl("net.ipv4.tcp_syn_retries", 6)
            linear = host.sysctl("net.ipv4.tcp_syn_linear_timeouts", 0)
            if self.retransmits >= retries + linear or elapsed >= model_timeout(
                retries, TCP_TIMEOUT_INIT
            ):
                return conn.timed_out()
            conn.retransmit_all()
            self.retransmits += 1
            if self.retransmits > linear:
                self.rto = min(self.rto * 2, TCP_RTO_MAX)
            return self._arm()
        if conn.state is TcpState.SYN_RECV:
            if self.retransmits >= host.sysctl("net.ipv4.tcp_synack_retries", 5):
                return conn.done()
        elif conn.unacked:
            boundary = 8 if conn.orphan else host.sysctl("net.ipv4.tcp_retries2", 15)
            if elapsed >= model_timeout(boundary, TCP_RTO_MIN):
                return conn.timed_out()
        elif conn.sendq:
            conn.probe_window()  # the peer's window is closed: ``tcp_send_probe0``
        else:
            return None
        conn.retransmit_all()
        self.retransmits += 1
        self.rto = min(self.rto * 2, TCP_RTO_MAX)
        return self._arm()
