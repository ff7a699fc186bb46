"""TCP connection setup between two namespaces on a wire: the handshake as Linux 6.18
sends it, refusals, and SYN retransmissions at the kernel's times."""

from ipaddress import IPv4Address

import pytest

from netlab import Lab
from nflab.packet.headers import TcpFlags
from nflab.stack import tcp_options as opt
from nflab.stack.sockets import SO_REUSEADDR, SOL_SOCKET, SocketApi

SYN, ACK, RST = TcpFlags.SYN, TcpFlags.ACK, TcpFlags.RST


def listener(port: int, accept: int = 1, hold: float = 0.0):
    def body(net: SocketApi) -> None:
        srv = net.socket()
        srv.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        srv.bind(("", port))
        srv.listen()
        for _ in range(accept):
            conn, _ = srv.accept()
            net.process.sleep(hold)
            conn.close()
        srv.close()

    return body


def connector(dst: str, port: int, result: dict, timeout: float | None = None):
    def body(net: SocketApi) -> None:
        s = net.socket()
        s.settimeout(timeout)
        try:
            s.connect((dst, port))
            result["ok"] = net.now
        except OSError as exc:
            result["error"] = (type(exc), exc.errno, exc.strerror, net.now)
        s.close()

    return body


def test_handshake_options_windows_and_ip_ids() -> None:
    lab = Lab()
    result: dict = {}
    server = lab.spawn(lab.b, "server", listener(8080))
    client = lab.spawn(lab.a, "client", connector("10.0.0.2", 8080, result))
    lab.run(server, client)
    assert "ok" in result
    (syn,) = lab.sent("a", SYN)
    (synack,) = lab.sent("b", SYN | ACK)
    th = syn.packet.tcp
    info = opt.parse(th)
    # this host's kernel (tcp_rmem max 32 MiB): wscale 10
    assert (info.mss, info.sack, info.wscale, th.window) == (1460, True, 10, 64240)
    assert info.ts is not None and info.ts[1] == 0
    assert th.sport % 2 == 0 and 32768 <= th.sport <= 60999  # connect() takes even ports
    sa = synack.packet
    sa_info = opt.parse(sa.tcp)
    assert (sa_info.mss, sa_info.wscale, sa.tcp.window) == (1460, 10, 65160)
    assert sa.tcp.ack == (th.seq + 1) & 0xFFFFFFFF
    assert sa_info.ts is not None and sa_info.ts[1] == info.ts[0]  # echoes the SYN's TSval
    assert sa.ip.ident == 0 and sa.ip.dont_fragment  # ip_build_and_send_pkt
    # the third segment: scaled window, timestamps only, the next IP id
    third = lab.sent("a")[1].packet
    assert third.tcp.flags == ACK and third.tcp.window == 63
    assert [o.kind for o in third.tcp.options] == [opt.NOP, opt.NOP, opt.TIMESTAMP]
    assert third.ip.ident == (syn.packet.ip.ident + 1) & 0xFFFF


def test_loopback_mss_and_windows() -> None:
    lab = Lab()
    result: dict = {}
    server = lab.spawn(lab.a, "server", listener(8080))
    client = lab.spawn(lab.a, "client", connector("127.0.0.1", 8080, result))
    lab.run(server, client)
    syn, synack = lab.sent("a", SYN, dev="lo"), lab.sent("a", SYN | ACK, dev="lo")
    assert (opt.parse(syn[0].packet.tcp).mss, syn[0].packet.tcp.window) == (65495, 65495)
    assert (opt.parse(synack[0].packet.tcp).mss, synack[0].packet.tcp.window) == (65495, 65483)
    assert lab.wire == []  # nothing left the namespace


def test_closed_port_answers_rst_and_connect_is_refused() -> None:
    lab = Lab()
    result: dict = {}
    client = lab.spawn(lab.a, "client", connector("10.0.0.2", 81, result))
    lab.run(client)
    assert result["error"][:3] == (ConnectionRefusedError, 111, "Connection refused")
    assert result["error"][3] < 0.01
    (syn,) = lab.sent("a", SYN)
    (rst,) = lab.sent("b")
    # tcp_v4_send_reset: seq 0, acknowledges the SYN, window 0, IP id 0
    assert rst.packet.tcp.flags == RST | ACK
    assert (rst.packet.tcp.seq, rst.packet.tcp.ack) == (0, (syn.packet.tcp.seq + 1) & 0xFFFFFFFF)
    assert rst.packet.tcp.window == 0 and rst.packet.ip.ident == 0
    assert rst.packet.ip.src == IPv4Address("10.0.0.2")


def test_dropped_syns_are_retransmitted_on_the_618_schedule() -> None:
    lab = Lab()
    lab.ipt(lab.b, "iptables -A INPUT -p tcp --dport 80 -j DROP")
    result: dict = {}
    client = lab.spawn(lab.a, "client", connector("10.0.0.2", 80, result))
    lab.run(client)
    # tcp_syn_linear_timeouts=4: four more 1 s timeouts before the doubling starts;
    # gives up after tcp_syn_retries + 4 retransmissions. Each timeout ends at the next
    # bucket of the timer wheel (HZ=250): 1 s is 1.024 s, 2 s 2.016 s (as measured on the
    # kernel), 4 s rounds to 64 jiffies, 32 s to 512
    times = [round(s.time, 3) for s in lab.sent("a", SYN)]
    assert times == [0, 1.024, 2.048, 3.072, 4.096, 5.12, 7.136, 11.264, 19.456, 35.584, 69.632]
    assert result["error"][:3] == (TimeoutError, 110, "Connection timed out")
    assert result["error"][3] == pytest.approx(135.168)


def test_classic_syn_schedule_without_linear_timeouts() -> None:
    lab = Lab()
    lab.a.netns.sysctls.set("net.ipv4.tcp_syn_linear_timeouts", "0")
    lab.a.netns.sysctls.set("net.ipv4.tcp_syn_retries", "3")
    lab.ipt(lab.b, "iptables -A INPUT -p tcp --dport 80 -j DROP")
    result: dict = {}
    client = lab.spawn(lab.a, "client", connector("10.0.0.2", 80, result))
    lab.run(client)
    assert [round(s.time, 3) for s in lab.sent("a", SYN)] == [0, 1.024, 3.04, 7.168]
    assert result["error"][1] == 110 and result["error"][3] == pytest.approx(15.36)


def test_caller_timeout_fires_first_and_the_attempt_goes_on() -> None:
    lab = Lab()
    lab.ipt(lab.b, "iptables -A INPUT -p tcp --dport 80 -j DROP")
    result: dict = {}

    def body(net: SocketApi) -> None:
        s = net.socket()
        s.settimeout(2.5)
        try:
            s.connect(("10.0.0.2", 80))
        except TimeoutError as exc:
            result["first"] = (exc.errno, str(exc), net.now)
        try:
            s.connect(("10.0.0.2", 80))
        except OSError as exc:
            result["second"] = exc.errno
        net.process.sleep(2)
        s.close()

    lab.run(lab.spawn(lab.a, "client", body))
    assert result == {"first": (None, "timed out", 2.5), "second": 114}  # EALREADY
    # until close() at 4.5 s
    assert [round(s.time, 3) for s in lab.sent("a", SYN)] == [0, 1.024, 2.048, 3.072, 4.096]


@pytest.mark.parametrize(
    ("reject", "error", "when"),
    [
        ("--reject-with tcp-reset", (ConnectionRefusedError, 111, "Connection refused"), 0),
        # an ICMP error about the first SYN only sets a soft error (connect() holds the
        # socket); the retransmission's error one second later (the timer wheel's 1.024 s)
        # ends the attempt
        ("", (ConnectionRefusedError, 111, "Connection refused"), 1.024),
        ("--reject-with icmp-host-unreachable", (OSError, 113, "No route to host"), 1.024),
        ("--reject-with icmp-admin-prohibited", (OSError, 113, "No route to host"), 1.024),
        ("--reject-with icmp-net-unreachable", (OSError, 101, "Network is unreachable"), 1.024),
    ],
)
def test_reject_rules(reject: str, error: tuple, when: float) -> None:
    lab = Lab()
    lab.ipt(lab.b, f"iptables -A INPUT -p tcp --dport 80 -j REJECT {reject}")
    result: dict = {}
    lab.run(lab.spawn(lab.a, "client", connector("10.0.0.2", 80, result)))
    assert result["error"][:3] == error
    assert result["error"][3] == pytest.approx(when, abs=0.01)


def test_reject_in_output_resets_the_local_connection() -> None:
    lab = Lab()
    lab.ipt(lab.a, "iptables -A OUTPUT -p tcp --dport 80 -j REJECT --reject-with tcp-reset")
    result: dict = {}
    lab.run(lab.spawn(lab.a, "client", connector("10.0.0.2", 80, result)))
    assert result["error"][1] == 111
    assert lab.wire == []


def test_output_drop_is_not_an_error_for_connect() -> None:
    # tcp_connect ignores the EPERM of its SYN: the attempt times out
    lab = Lab()
    lab.a.netns.sysctls.set("net.ipv4.tcp_syn_retries", "1")
    lab.a.netns.sysctls.set("net.ipv4.tcp_syn_linear_timeouts", "0")
    lab.ipt(lab.a, "iptables -A OUTPUT -p tcp --dport 80 -j DROP")
    result: dict = {}
    lab.run(lab.spawn(lab.a, "client", connector("10.0.0.2", 80, result)))
    assert result["error"][1] == 110 and result["error"][3] == pytest.approx(3.04)  # 1.024 + 2.016


def test_no_route_is_immediate() -> None:
    lab = Lab()
    result: dict = {}
    lab.run(lab.spawn(lab.a, "client", connector("192.0.2.1", 80, result)))
    assert result["error"][1:] == (101, "Network is unreachable", 0)
