"""UDP datagrams, ICMP echo and errors, raw ICMP sockets (ping)."""

import errno
import struct
from ipaddress import IPv4Address

from netlab import Lab
from nflab.packet.wire import emit
from nflab.stack.sockets import AF_INET, IPPROTO_ICMP, SOCK_DGRAM, SOCK_RAW, SocketApi


def udp_echo_server(port: int, log: dict):
    def body(net: SocketApi) -> None:
        s = net.socket(AF_INET, SOCK_DGRAM)
        s.bind(("", port))
        data, addr = s.recvfrom(2048)
        log["from"] = addr
        s.sendto(data[::-1], addr)

    return body


def echo_request(ident: int, seq: int, data: bytes) -> bytes:
    return struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data


def test_udp_echo() -> None:
    lab = Lab()
    log: dict = {}

    def client(net: SocketApi) -> None:
        s = net.socket(AF_INET, SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(b"abc", ("10.0.0.2", 5353))
        log["name"] = s.getsockname()
        log["reply"] = s.recvfrom(100)

    lab.run(lab.spawn(lab.b, "server", udp_echo_server(5353, log)), lab.spawn(lab.a, "c", client))
    assert log["reply"] == (b"cba", ("10.0.0.2", 5353))
    # an unconnected socket stays bound to the wildcard; the datagram left from 10.0.0.1
    assert log["name"][0] == "0.0.0.0" and log["from"] == ("10.0.0.1", log["name"][1])
    assert 32768 <= log["name"][1] <= 60999
    request = lab.sent("a")[0].packet
    assert request.udp is not None and request.ip.dont_fragment and request.ip.ttl == 64


def test_udp_to_a_closed_port() -> None:
    lab = Lab()
    log: dict = {}

    def client(net: SocketApi) -> None:
        connected = net.socket(AF_INET, SOCK_DGRAM)
        connected.connect(("10.0.0.2", 9999))
        log["name"] = connected.getsockname()[0]
        connected.send(b"x")
        unconnected = net.socket(AF_INET, SOCK_DGRAM)
        unconnected.settimeout(0.5)
        unconnected.sendto(b"y", ("10.0.0.2", 9998))
        try:
            connected.recv(10)
        except OSError as exc:
            log["first"] = (exc.errno, exc.strerror)
        connected.settimeout(0.5)
        try:
            connected.recv(10)
        except TimeoutError:
            log["second"] = "timeout"  # the error was reported once
        try:
            unconnected.recv(10)
        except TimeoutError:
            log["unconnected"] = "timeout"  # unconnected sockets ignore ICMP errors

    lab.run(lab.spawn(lab.a, "client", client))
    assert log == {
        "name": "10.0.0.1",
        "first": (111, "Connection refused"),
        "second": "timeout",
        "unconnected": "timeout",
    }
    error = lab.sent("b")[0].packet
    # icmp_send: from the address the datagram went to, TOS 0xc0, no DF, quoting it
    assert error.icmp is not None and (error.icmp.type, error.icmp.code) == (3, 3)
    assert error.ip.src == IPv4Address("10.0.0.2") and error.ip.tos == 0xC0
    assert not error.ip.dont_fragment and error.icmp.quoted == lab.sent("a")[0].packet


def test_udp_soft_errors_are_not_reported() -> None:
    # host unreachable is not a "hard" error for UDP (icmp_err_convert): recv keeps waiting
    lab = Lab()
    lab.ipt(lab.b, "iptables -A INPUT -p udp -j REJECT --reject-with icmp-host-unreachable")
    log: dict = {}

    def client(net: SocketApi) -> None:
        s = net.socket(AF_INET, SOCK_DGRAM)
        s.connect(("10.0.0.2", 53))
        s.send(b"q")
        s.settimeout(1)
        try:
            s.recv(10)
        except TimeoutError:
            log["recv"] = "timeout"

    lab.run(lab.spawn(lab.a, "client", client))
    assert log == {"recv": "timeout"}
    assert lab.sent("b")[0].packet.icmp.code == 1


def test_output_drop_is_eperm_for_datagrams() -> None:
    lab = Lab()
    lab.ipt(lab.a, "iptables -A OUTPUT -p udp -j DROP")
    lab.ipt(lab.a, "iptables -A OUTPUT -p icmp -j DROP")
    log: dict = {}

    def client(net: SocketApi) -> None:
        for name, sock, data in (
            ("udp", net.socket(AF_INET, SOCK_DGRAM), b"x"),
            ("raw", net.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), echo_request(1, 1, b"")),
        ):
            try:
                sock.sendto(data, ("10.0.0.2", 53))
            except OSError as exc:
                log[name] = (exc.errno, exc.strerror)

    lab.run(lab.spawn(lab.a, "client", client))
    assert log == {"udp": (1, "Operation not permitted"), "raw": (1, "Operation not permitted")}
    assert lab.wire == []


def test_ping_gets_the_kernel_echo_reply() -> None:
    lab = Lab()
    log: dict = {}

    def ping(net: SocketApi) -> None:
        s = net.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
        s.sendto(echo_request(0x1234, 1, b"0123456789abcdef"), ("10.0.0.2", 0))
        log["reply"], log["addr"] = s.recvpacket()
        s.sendto(echo_request(0x1234, 2, b"x"), ("10.0.0.2", 0))
        log["bytes"] = s.recvfrom(4096)

    lab.run(lab.spawn(lab.a, "ping", ping))
    request, reply = lab.sent("a")[0].packet, log["reply"]
    assert request.ip.dont_fragment and request.icmp.type == 8
    assert log["addr"] == ("10.0.0.2", 0)
    assert (reply.icmp.type, reply.icmp.ident, reply.icmp.seq) == (0, 0x1234, 1)
    assert reply.payload == b"0123456789abcdef"
    # icmp_reply: from the pinged address, the request's TOS, no DF
    assert reply.ip.src == IPv4Address("10.0.0.2") and not reply.ip.dont_fragment
    data, addr = log["bytes"]
    assert data[:1] == b"\x45" and data == emit(lab.sent("b")[1].packet)


def test_echo_reply_goes_through_output() -> None:
    lab = Lab()
    lab.ipt(lab.b, "iptables -A OUTPUT -p icmp --icmp-type echo-reply -j DROP")
    log: dict = {}

    def ping(net: SocketApi) -> None:
        s = net.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
        s.settimeout(1)
        s.sendto(echo_request(1, 1, b""), ("10.0.0.2", 0))
        try:
            s.recvpacket()
        except TimeoutError:
            log["reply"] = None

    lab.run(lab.spawn(lab.a, "ping", ping))
    assert log == {"reply": None} and lab.sent("b") == []


def test_icmp_echo_ignore_all() -> None:
    lab = Lab()
    lab.b.netns.sysctls.set("net.ipv4.icmp_echo_ignore_all", "1")

    def ping(net: SocketApi) -> None:
        net.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP).sendto(echo_request(1, 1, b""), ("10.0.0.2", 0))
        net.process.sleep(1)

    lab.run(lab.spawn(lab.a, "ping", ping))
    assert lab.sent("b") == []


def test_raw_socket_sees_errors_and_its_filter_hides_types() -> None:
    lab = Lab()
    log: dict = {}

    def prog(net: SocketApi) -> None:
        raw = net.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
        hidden = net.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
        hidden.setsockopt(255, 1, struct.pack("<I", 1 << 3))  # ICMP_FILTER: no unreachables
        hidden.settimeout(0.5)
        net.socket(AF_INET, SOCK_DGRAM).sendto(b"x", ("10.0.0.2", 7777))
        packet, addr = raw.recvpacket()
        log["error"] = (packet.icmp.type, packet.icmp.code, packet.icmp.quoted.udp.dport, addr)
        try:
            hidden.recvpacket()
        except TimeoutError:
            log["hidden"] = "timeout"

    lab.run(lab.spawn(lab.a, "prog", prog))
    assert log == {"error": (3, 3, 7777, ("10.0.0.2", 0)), "hidden": "timeout"}


def test_unknown_protocol_gets_protocol_unreachable() -> None:
    from nflab.packet.headers import IPv4, Packet

    lab = Lab()
    lab.b.ip.receive(Packet(IPv4(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), 47)), "eth0")
    lab.sched.advance(0.01)
    (error,) = lab.sent("b")
    assert (error.packet.icmp.type, error.packet.icmp.code) == (3, 2)


def test_sendto_without_route() -> None:
    lab = Lab()
    log: dict = {}

    def prog(net: SocketApi) -> None:
        try:
            net.socket(AF_INET, SOCK_DGRAM).sendto(b"x", ("198.51.100.1", 53))
        except OSError as exc:
            log["udp"] = exc.errno

    lab.run(lab.spawn(lab.a, "prog", prog))
    assert log == {"udp": errno.ENETUNREACH}
