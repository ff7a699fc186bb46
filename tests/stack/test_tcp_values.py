"""TCP options, windows, timer models and the port table, as Linux 6.x computes them."""

import random
from ipaddress import IPv4Address, IPv6Address

from nflab.packet.headers import TCP, TcpOption
from nflab.stack import tcp_options as opt
from nflab.stack.ports import PortTable
from nflab.stack.tcp_layer import Binding
from nflab.stack.tcp_timers import model_timeout


def test_mss_from_the_route_mtu() -> None:
    assert opt.advertised_mss(1500) == 1460
    assert opt.advertised_mss(65536) == 65495  # lo: capped at IPV4_MAX_PMTU - 40


def test_initial_windows_are_whole_segments_of_64_kib() -> None:
    # as tcpdump shows them: SYN 64240 on ethernet, SYN-ACK 65160 (1448-byte segments),
    # 65495 and 65483 on lo
    assert opt.initial_window(1460) == 64240
    assert opt.initial_window(1448) == 65160
    assert opt.initial_window(65495) == 65495
    assert opt.initial_window(65483) == 65483


def test_window_scale_follows_the_largest_receive_buffer() -> None:
    assert opt.window_scale(6291456) == 7  # the usual tcp_rmem max
    assert opt.window_scale(33554432) == 10  # this host's
    assert opt.window_scale(1 << 40) == 14


def test_scaled_window_fields() -> None:
    assert opt.window_field(64240, 7) == 502
    assert opt.window_field(65483, 7) == 512
    assert opt.window_field(64240, 10) == 63
    assert opt.window_field(65160, 10) == 64


def test_syn_options_in_linux_order() -> None:
    kinds = [o.kind for o in opt.syn_options(1460, 7, True, (1, 0))]
    assert kinds == [opt.MSS, opt.SACK_PERM, opt.TIMESTAMP, opt.NOP, opt.WSCALE]
    assert TCP(1, 2, options=opt.syn_options(1460, 7, True, (1, 0))).header_length == 40
    no_ts = [o.kind for o in opt.syn_options(1460, 7, True, None)]
    assert no_ts == [opt.MSS, opt.NOP, opt.NOP, opt.SACK_PERM, opt.NOP, opt.WSCALE]
    assert TCP(1, 2, options=opt.segment_options((5, 6))).header_length == 32


def test_parse_peer_options() -> None:
    syn = TCP(1, 2, options=opt.syn_options(1400, 3, True, (0x01020304, 0)))
    assert opt.parse(syn) == opt.SynInfo(1400, 3, True, (0x01020304, 0))
    assert opt.parse(TCP(1, 2, options=(TcpOption(3, b"\x20"),))).wscale == 14


def test_model_timeouts() -> None:
    assert model_timeout(6, 1.0) == 127  # tcp_syn_retries=6: the classic 127 s
    assert model_timeout(2, 1.0) == 7
    # tcp_retries2=15 from the 200 ms minimum RTO: about 924.6 s
    assert abs(model_timeout(15, 0.2) - 924.6) < 1e-6


def test_bind_conflicts() -> None:
    table = PortTable(stream=True)
    any4, lo = IPv4Address(0), IPv4Address("127.0.0.1")
    table.add(Binding(lo, 80))
    assert table.conflicts(lo, 80, False, "", False)
    assert table.conflicts(any4, 80, False, "", False)
    assert not table.conflicts(IPv4Address("10.0.0.1"), 80, False, "", False)
    assert table.conflicts(lo, 80, True, "", False)  # SO_REUSEADDR needs both sides
    table.add(Binding(IPv4Address("10.0.0.1"), 81, reuse=True))
    assert not table.conflicts(any4, 81, True, "", False)
    assert not table.conflicts(lo, 81, False, "", False)
    # a dual-stack wildcard covers IPv4, a v6only one does not
    table.add(Binding(IPv6Address(0), 82))
    assert table.conflicts(lo, 82, False, "", False)
    table.add(Binding(IPv6Address(0), 83, v6only=True))
    assert not table.conflicts(lo, 83, False, "", False)
    # different bound devices never conflict
    table.add(Binding(any4, 84, device="eth0"))
    assert not table.conflicts(any4, 84, False, "eth1", False)


def test_ephemeral_parity() -> None:
    table = PortTable(stream=True)
    rng = random.Random(5)
    assert all(table.ephemeral(rng, (32768, 60999), 0) % 2 == 0 for _ in range(20))
    assert all(table.ephemeral(rng, (32768, 60999), 1) % 2 == 1 for _ in range(20))
    table.add(Binding(IPv4Address(0), 40000))
    assert table.ephemeral(rng, (40000, 40001), 0) == 40001  # the other parity when needed
    table.add(Binding(IPv4Address(0), 40001))
    assert table.ephemeral(rng, (40000, 40001), 0) is None
