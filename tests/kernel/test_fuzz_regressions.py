"""Divergences ``nflab fuzz`` found between the simulator and the real kernel, now fixed.

Each test names the case that found it (``nflab fuzz --seed S --start N --count 1``
reproduces it) and checks, in the simulator, the counters the real kernel showed;
as root the same case also runs on the kernel and must agree.
"""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from kernel_helpers import WHY_NOT
from nflab.kernel.fuzz import KernelPair, simulate
from nflab.kernel.fuzz_gen import Case, case
from nflab.packet.headers import ICMP, TCP, IPv4, Packet, TcpFlags

# (seed, case, a line of b's ``iptables-save -c`` as the kernel printed it)
FOUND = [
    # REJECT's ICMP error carries the rejected packet's connection (``icmp_glue_bits`` →
    # ``nf_ct_attach``): RELATED in OUTPUT, even for an unconfirmed connection
    (1, 87, ":OUTPUT DROP [3:172]"),
    (1, 87, "[0:0] -A OUTPUT -m state --state INVALID -j REJECT --reject-with icmp-port-unreachable"),
    (1, 91, "[1:56] -A OUTPUT -s 10.0.0.0/8 ! -o lo -p icmp -m state --state INVALID,UNTRACKED -g U0"),
    # REJECT in OUTPUT of an echo reply sends no ICMP error (``icmp_xmit_lock`` is held)
    (1, 125, "[3:108] -A OUTPUT -j REJECT --reject-with icmp-admin-prohibited"),
    (1, 136, ":OUTPUT DROP [0:0]"),
]


@pytest.mark.parametrize(("seed", "number", "line"), FOUND)
def test_the_simulator_counts_as_the_kernel_did(seed: int, number: int, line: str) -> None:
    assert line in simulate(case(seed, number)).counters.splitlines()


# found as seed 1 case 3 by the first version of the generator: -g from INPUT to a user
# chain that ends without a verdict; the built-in chain's policy applies, and counts
GOTO = Case(1, 3, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:U1 - [0:0]\n-A INPUT -s 10.9.0.0/30 -g U1\n"
            "-A U1 -p udp\n-A U1 -j RETURN\n-A INPUT -j DROP\nCOMMIT\n",
            tuple(Packet(IPv4(IPv4Address(src), IPv4Address("10.9.0.4"), 6),
                         TCP(20019, 80, flags=TcpFlags.SYN)) for src in ("10.9.0.3", "10.9.0.1")))


def test_the_end_of_a_chain_gone_to_applies_the_built_in_policy() -> None:
    counters = simulate(GOTO).counters.splitlines()
    assert ":INPUT ACCEPT [2:80]" in counters  # the -g'd one and the RETURNed one
    assert "[0:0] -A INPUT -j DROP" in counters


# found as seed 1 case 25: the kernel answers an ICMP timestamp request (``icmp_timestamp``)
TIMESTAMP = Case(1, 25, GOTO.rules, (
    Packet(IPv4(IPv4Address("10.9.0.3"), IPv4Address("10.9.0.4"), 1), ICMP(13, 0, 7, 1), bytes(12)),
    Packet(IPv4(IPv4Address("10.9.0.3"), IPv4Address("10.9.0.4"), 1), ICMP(13, 0, 7, 2), bytes(3)),
))


def test_an_icmp_timestamp_request_is_answered_unless_too_short() -> None:
    result = simulate(TIMESTAMP)
    assert result.replies == ("10.9.0.4>10.9.0.3 icmp 14/0", "")
    assert ":OUTPUT ACCEPT [1:40]" in result.counters.splitlines()


def test_a_built_in_chain_the_restore_does_not_name_counts_nothing() -> None:
    # found writing GOTO above without its :OUTPUT line: the kernel's OUTPUT (never created
    # by iptables-nft) showed [0:0] although b's RSTs left; the simulator counts them
    lazy = Case(1, 3, GOTO.rules.replace(":OUTPUT ACCEPT [0:0]\n", ""), GOTO.packets)
    assert ":OUTPUT ACCEPT [0:0]" in simulate(lazy).counters.splitlines()


@pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")
def test_the_found_cases_agree_on_the_kernel() -> None:
    pair = KernelPair()
    try:
        pair.create()
        for c in [GOTO, TIMESTAMP, *(case(s, n) for s, n in sorted({(s, n) for s, n, _ in FOUND}))]:
            seed, number = c.seed, c.number
            assert simulate(c) == pair.run(c), f"seed {seed} case {number}"
    finally:
        pair.destroy()
