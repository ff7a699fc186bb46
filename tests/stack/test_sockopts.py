"""Socket options (SO_ORIGINAL_DST, SO_BINDTODEVICE, SO_ERROR) and the IPv6 loopback."""

import errno
import struct
from ipaddress import IPv4Address

from netlab import Lab
from nflab.stack.sockets import (
    AF_INET,
    AF_INET6,
    IPPROTO_IPV6,
    IPV6_V6ONLY,
    SO_BINDTODEVICE,
    SO_ERROR,
    SO_ORIGINAL_DST,
    SOCK_DGRAM,
    SOL_IP,
    SOL_SOCKET,
    SocketApi,
)


def sockaddr_in(data: bytes) -> tuple[int, str, int]:
    (family,) = struct.unpack("<H", data[:2])
    (port,) = struct.unpack("!H", data[2:4])
    return family, str(IPv4Address(data[4:8])), port


def original_dst_program(port: int, log: dict, connect_to: tuple[str, int] | None = None):
    """A server on ``port`` reading SO_ORIGINAL_DST of what it accepts; a client in the same
    namespace connects to ``connect_to`` (the server itself by default)."""

    def body(net: SocketApi) -> None:
        srv = net.socket()
        srv.bind(("", port))
        srv.listen()
        client = net.socket()
        client.connect(connect_to or ("127.0.0.1", port))
        conn, _ = srv.accept()
        for name, sock in (("server", conn), ("client", client)):
            try:
                log[name] = sockaddr_in(sock.getsockopt(SOL_IP, SO_ORIGINAL_DST, 16))
            except OSError as exc:
                log[name] = (exc.errno, exc.strerror)
        for name, call in (
            ("no_buffer", lambda: conn.getsockopt(SOL_IP, SO_ORIGINAL_DST)),
            (
                "udp",
                lambda: net.socket(AF_INET, SOCK_DGRAM).getsockopt(SOL_IP, SO_ORIGINAL_DST, 16),
            ),
        ):
            try:
                call()
            except OSError as exc:
                log[name] = exc.errno

    return body


def test_original_dst_needs_a_tracked_connection() -> None:
    lab = Lab()
    log: dict = {}
    lab.run(lab.spawn(lab.a, "prog", original_dst_program(8080, log)))
    # conntrack tracks only while some rule needs it: no rule, no entry
    assert log == {
        "server": (errno.ENOENT, "No such file or directory"),
        "client": (errno.ENOENT, "No such file or directory"),
        "no_buffer": errno.EINVAL,
        "udp": errno.ENOPROTOOPT,
    }


def test_original_dst_with_conntrack() -> None:
    lab = Lab()
    lab.ipt(lab.a, "iptables -A INPUT -m conntrack --ctstate INVALID -j DROP")
    log: dict = {}
    lab.run(lab.spawn(lab.a, "prog", original_dst_program(8080, log)))
    assert log["server"] == log["client"] == (AF_INET, "127.0.0.1", 8080)


def test_original_dst_after_redirect() -> None:
    lab = Lab()
    lab.ipt(lab.a, "iptables -t nat -A OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 8080")
    log: dict = {}
    lab.run(lab.spawn(lab.a, "prog", original_dst_program(8080, log, ("10.0.0.1", 80))))
    # the accepted socket talks to 127.0.0.1:8080, the connection was made to 10.0.0.1:80
    assert log["server"] == log["client"] == (AF_INET, "10.0.0.1", 80)


def test_bind_to_device() -> None:
    lab = Lab()
    log: dict = {}

    def body(net: SocketApi) -> None:
        srv = net.socket()
        srv.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, b"lo\0")
        srv.bind(("", 7000))
        srv.listen()
        for dst in ("127.0.0.1", "10.0.0.1"):
            c = net.socket()
            log[dst] = c.connect_ex((dst, 7000))
        try:
            net.socket().setsockopt(SOL_SOCKET, SO_BINDTODEVICE, b"eth9")
        except OSError as exc:
            log["unknown"] = exc.errno

    lab.run(lab.spawn(lab.a, "prog", body))
    # a packet to this host's own address counts as arriving on that address's device
    assert log == {"127.0.0.1": 0, "10.0.0.1": errno.ECONNREFUSED, "unknown": errno.ENODEV}


def test_so_error_after_a_failed_nonblocking_connect() -> None:
    lab = Lab()
    log: dict = {}

    def body(net: SocketApi) -> None:
        s = net.socket()
        s.setblocking(False)
        log["connect"] = s.connect_ex(("10.0.0.2", 1))
        net.select([], [s], [], 5)
        log["so_error"] = s.getsockopt(SOL_SOCKET, SO_ERROR)
        log["again"] = s.getsockopt(SOL_SOCKET, SO_ERROR)

    lab.run(lab.spawn(lab.a, "prog", body))
    assert log == {"connect": errno.EINPROGRESS, "so_error": errno.ECONNREFUSED, "again": 0}


def test_ipv6_loopback_and_dual_stack() -> None:
    lab = Lab()
    log: dict = {}

    def body(net: SocketApi) -> None:
        # nothing listens on IPv6: refused (nc localhost tries ::1 first, then 127.0.0.1)
        log["refused"] = net.socket(AF_INET6).connect_ex(("::1", 80))
        v4only = net.socket()
        v4only.bind(("127.0.0.1", 80))
        v4only.listen()
        log["v4_listener"] = net.socket(AF_INET6).connect_ex(("::1", 80))
        dual = net.socket(AF_INET6)
        dual.bind(("::", 8000))
        dual.listen()
        c4 = net.socket()
        c4.connect(("127.0.0.1", 8000))
        _, log["mapped_peer"] = dual.accept()
        c6 = net.socket(AF_INET6)
        c6.connect(("::1", 8000))
        s6, log["v6_peer"] = dual.accept()
        c6.sendall(b"over ::1")
        log["data"] = s6.recv(100)
        try:
            net.socket().bind(("0.0.0.0", 8000))
        except OSError as exc:
            log["bind_v4_over_dual"] = exc.errno
        only6 = net.socket(AF_INET6)
        only6.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1)
        only6.bind(("::", 9000))
        only6.listen()
        log["v6only_v4"] = net.socket().connect_ex(("127.0.0.1", 9000))
        try:
            net.socket(AF_INET6).bind(("2001:db8::1", 1))
        except OSError as exc:
            log["bind_other_v6"] = exc.errno
        log["connect_other_v6"] = net.socket(AF_INET6).connect_ex(("2001:db8::1", 1))

    lab.run(lab.spawn(lab.a, "prog", body))
    assert log.pop("mapped_peer")[0] == "::ffff:127.0.0.1"
    assert log.pop("v6_peer")[0] == "::1"
    assert log == {
        "refused": errno.ECONNREFUSED,
        "v4_listener": errno.ECONNREFUSED,
        "data": b"over ::1",
        "bind_v4_over_dual": errno.EADDRINUSE,
        "v6only_v4": errno.ECONNREFUSED,
        "bind_other_v6": errno.EADDRNOTAVAIL,
        "connect_other_v6": errno.ENETUNREACH,
    }


def test_ip_ttl_and_tos_reach_the_header() -> None:
    from nflab.stack.sockets import IP_TOS, IP_TTL, IPPROTO_ICMP

    lab = Lab()
    log: dict = {}

    def body(net: SocketApi) -> None:
        udp = net.socket(AF_INET, SOCK_DGRAM)
        udp.setsockopt(SOL_IP, IP_TTL, 5)
        udp.setsockopt(SOL_IP, IP_TOS, 0x10)
        udp.sendto(b"x", ("10.0.0.2", 9))
        tcp = net.socket()
        tcp.setsockopt(SOL_IP, IP_TTL, 7)
        tcp.connect_ex(("10.0.0.2", 9))
        try:
            net.socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)
        except OSError as exc:
            log["ping_socket"] = exc.errno

    lab.run(lab.spawn(lab.a, "prog", body))
    udp_packet, syn = (s.packet for s in lab.sent("a"))
    assert (udp_packet.ip.ttl, udp_packet.ip.tos, syn.ip.ttl, syn.ip.tos) == (5, 0x10, 7, 0)
    # ping_group_range is "1 0" in a new namespace: no ICMP datagram sockets
    assert log == {"ping_socket": errno.EACCES}
