"""How NAT picks a connection's new tuple (nf_nat_core.c ``get_unique_tuple``)."""

import random
from dataclasses import replace
from ipaddress import IPv4Address

import pytest

from helpers import FakeConn, ip_packet
from nflab.netfilter.conntrack import Tuple
from nflab.netfilter.ctview import CtStatus
from nflab.netfilter.jhash import be32_word, jhash2, reciprocal_scale
from nflab.netfilter.natrange import (
    Manip,
    NatBinding,
    NatFlag,
    NatRange,
    find_best_ip,
    get_unique_tuple,
    hook_manip,
    in_range,
    setup_nat,
    unique_l4,
)
from nflab.netfilter.skb import Env, Skb, XtVerdict

A = IPv4Address
CLIENT = Tuple(6, A("192.168.1.10"), A("198.51.100.7"), 40000, 80)
PORTS = NatFlag.PROTO_SPECIFIED
IPS = NatFlag.MAP_IPS
NONE = NatFlag(0)


def rng_of(flags: NatFlag = NONE, lo: str = "0.0.0.0", hi: str | None = None,
           ports: tuple[int, int] = (0, 0), base: int = 0) -> NatRange:
    return NatRange(flags, A(lo), A(hi or lo), ports[0], ports[1], base)


def free(_: Tuple) -> bool:
    return False


def pick(orig: Tuple, rng: NatRange, manip: Manip, taken=free, seed: int = 1, **kw) -> Tuple:
    return get_unique_tuple(orig, rng, manip, taken=taken, rand=random.Random(seed), **kw)


def test_hook_manip() -> None:
    assert hook_manip("PREROUTING") is Manip.DST and hook_manip("OUTPUT") is Manip.DST
    assert hook_manip("POSTROUTING") is Manip.SRC and hook_manip("INPUT") is Manip.SRC


def test_in_range_looks_at_the_source() -> None:
    rng = rng_of(IPS | PORTS, "192.168.1.1", "192.168.1.20", (30000, 50000))
    assert in_range(CLIENT, rng)
    assert not in_range(replace(CLIENT, sport=1000), rng)
    assert not in_range(replace(CLIENT, src=A("192.168.1.21")), rng)
    assert in_range(replace(CLIENT, sport=1000), rng_of(IPS, "192.168.1.10"))


def test_source_nat_keeps_a_free_tuple_already_in_range() -> None:
    rng = rng_of(IPS, "192.168.1.10")
    assert pick(CLIENT, rng, Manip.SRC) == CLIENT


def test_source_nat_to_one_address_keeps_a_free_port() -> None:
    new = pick(CLIENT, rng_of(IPS, "203.0.113.1"), Manip.SRC)
    assert new == replace(CLIENT, src=A("203.0.113.1"))


def test_a_taken_port_is_replaced_from_the_same_class() -> None:
    rng = rng_of(IPS, "203.0.113.1")
    for sport, lo, hi in ((40000, 1024, 65535), (700, 600, 1023), (123, 1, 511)):
        orig = replace(CLIENT, sport=sport)
        busy = replace(orig, src=A("203.0.113.1"))
        new = pick(orig, rng, Manip.SRC, taken=lambda t, busy=busy: t == busy)
        assert new.src == A("203.0.113.1") and new.sport != sport
        assert lo <= new.sport <= hi
        assert (new.dst, new.dport) == (orig.dst, orig.dport)


def test_the_search_follows_the_random_offset() -> None:
    rng = rng_of(IPS | PORTS, "203.0.113.1", ports=(5000, 5009))
    off = random.Random(7).getrandbits(16)
    taken_ports = {5000 + off % 10}
    new = pick(CLIENT, rng, Manip.SRC, taken=lambda t: t.sport in taken_ports, seed=7)
    assert new.sport == 5000 + (off + 1) % 10


def test_destination_nat_without_ports_never_moves_the_port() -> None:
    orig = replace(CLIENT, dst=A("203.0.113.1"))
    new = pick(orig, rng_of(IPS, "10.0.0.5"), Manip.DST, taken=lambda t: True)
    assert (new.dst, new.dport) == (A("10.0.0.5"), 80)


def test_destination_port_range() -> None:
    inside = pick(replace(CLIENT, dport=8081), rng_of(IPS | PORTS, "10.0.0.5", ports=(8080, 8090)),
                  Manip.DST)
    assert (inside.dst, inside.dport) == (A("10.0.0.5"), 8081)
    one = pick(CLIENT, rng_of(IPS | PORTS, "10.0.0.5", ports=(8080, 8080)), Manip.DST,
               taken=lambda t: True)
    assert one.dport == 8080  # a single port is used even when taken
    # without randomness a destination search starts at the first port
    first = pick(CLIENT, rng_of(IPS | PORTS, "10.0.0.5", ports=(8080, 8090)), Manip.DST)
    assert first.dport == 8080


def test_shifted_port_map() -> None:
    rng = rng_of(IPS | PORTS | NatFlag.PROTO_OFFSET, "10.0.0.5", ports=(2000, 2999), base=1000)
    assert pick(replace(CLIENT, dport=1234), rng, Manip.DST).dport == 2234
    assert pick(replace(CLIENT, dport=1000), rng, Manip.DST).dport == 2000
    assert pick(replace(CLIENT, dport=2500), rng, Manip.DST).dport == 2500  # 1500 % 1000


def test_random_rechooses_even_a_usable_port() -> None:
    rng = rng_of(IPS | PORTS | NatFlag.PROTO_RANDOM, "192.168.1.10", ports=(30000, 50000))
    off = random.Random(3).getrandbits(16)
    new = pick(CLIENT, rng, Manip.SRC, seed=3)
    assert new.sport == 30000 + off % 20001


def test_address_choice_hashes_the_addresses() -> None:
    rng = rng_of(IPS, "203.0.113.10", "203.0.113.19")
    chosen = find_best_ip(CLIENT, rng, Manip.SRC)
    j = jhash2([be32_word(CLIENT.src.packed), 0, 0, 0], be32_word(CLIENT.dst.packed))
    assert chosen.src == A(int(A("203.0.113.10")) + reciprocal_scale(j, 10))
    persistent = replace(rng, flags=IPS | NatFlag.PERSISTENT)
    to_a = find_best_ip(CLIENT, persistent, Manip.SRC)
    to_b = find_best_ip(replace(CLIENT, dst=A("192.0.2.99")), persistent, Manip.SRC)
    assert to_a.src == to_b.src  # --persistent: the destination does not count
    assert find_best_ip(CLIENT, rng, Manip.DST).src == CLIENT.src


def test_an_existing_source_mapping_is_reused() -> None:
    rng = rng_of(IPS, "203.0.113.10", "203.0.113.19")
    earlier = replace(CLIENT, src=A("203.0.113.17"), dst=A("192.0.2.1"), dport=443)
    new = pick(CLIENT, rng, Manip.SRC, bysource=lambda t: [earlier])
    assert (new.src, new.sport, new.dst, new.dport) == (A("203.0.113.17"), 40000, CLIENT.dst, 80)
    outside = replace(earlier, src=A("10.9.9.9"))
    assert pick(CLIENT, rng, Manip.SRC, bysource=lambda t: [outside]) == find_best_ip(
        CLIENT, rng, Manip.SRC
    )


def test_exhausted_range_gives_up_after_bounded_attempts() -> None:
    calls: list[Tuple] = []

    def taken(t: Tuple) -> bool:
        calls.append(t)
        return True

    rng = rng_of(IPS | PORTS, "203.0.113.1", ports=(1024, 65535))
    new = unique_l4(replace(CLIENT, src=A("203.0.113.1")), rng, Manip.SRC, taken, random.Random(0))
    assert 1024 <= new.sport <= 65535
    assert len(calls) == 128 + 64 + 32 + 16 + 8  # halving until fewer than 16 attempts


def test_icmp_ids_are_searched_in_full() -> None:
    echo = Tuple(1, A("192.168.1.10"), A("198.51.100.7"), 77, 8 * 256)
    rng = rng_of(IPS, "203.0.113.1")
    busy = replace(echo, src=A("203.0.113.1"))
    new = pick(echo, rng, Manip.SRC, taken=lambda t: t == busy, seed=5)
    assert new.src == A("203.0.113.1") and new.sport == random.Random(5).getrandbits(16)
    assert new.dport == echo.dport


def test_setup_nat_records_a_binding() -> None:
    skb = Skb(ip_packet("192.168.1.10", "198.51.100.7", 40000, 80))
    verdict = setup_nat(skb, Env(), rng_of(IPS, "203.0.113.1"), Manip.SRC)
    assert verdict is XtVerdict.ACCEPT
    binding = skb.nat
    assert isinstance(binding, NatBinding) and binding.changed
    assert binding.orig == CLIENT and binding.new.src == A("203.0.113.1")


def test_setup_nat_uses_the_connection_and_skips_confirmed_ones() -> None:
    conn = FakeConn.between("192.168.1.10", "198.51.100.7", 40000, 80)
    skb = Skb(ip_packet("192.168.1.10", "198.51.100.7", 40000, 80), ct=conn)
    setup_nat(skb, Env(), rng_of(IPS, "10.0.0.5"), Manip.DST)
    assert skb.nat.orig == CLIENT and skb.nat.new.dst == A("10.0.0.5")
    conn.status = CtStatus.CONFIRMED
    skb = Skb(ip_packet(), ct=conn)
    assert setup_nat(skb, Env(), rng_of(IPS, "10.0.0.5"), Manip.DST) is XtVerdict.ACCEPT
    assert skb.nat is None


@pytest.mark.parametrize("proto", [47, 50])
def test_protocols_without_ports(proto: int) -> None:
    orig = Tuple(proto, A("192.168.1.10"), A("198.51.100.7"))
    new = pick(orig, rng_of(IPS | PORTS, "203.0.113.1", ports=(1, 2)), Manip.SRC,
               taken=lambda t: True)
    assert new == replace(orig, src=A("203.0.113.1"))
