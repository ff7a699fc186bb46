"""iptables-nft's native storage of tcp/udp matches and what reading it back gives."""

import itertools
from collections.abc import Callable

import pytest

from helpers import Shell
from nflab.extensions.tcp import Tcp
from nflab.extensions.udp import Udp
from nflab.iptables.errors import ParameterProblem
from nflab.iptables.extension import find_match
from nflab.iptables.nft_native import (
    PortCmp,
    decode_ports,
    encode_ports,
    nft_readback,
    read_back_alone,
)
from nflab.iptables.rule import MatchEntry, Rule


@pytest.mark.parametrize(
    ("value", "exprs"),
    [
        (Udp(spts=(5, 5), dpts=(7, 7)), [PortCmp("both", "eq", 5, 7)]),
        (Udp(spts=(5, 5), dpts=(7, 7), inv=frozenset({"sport"})),
         [PortCmp("sport", "neq", 5, 5), PortCmp("dport", "eq", 7, 7)]),
        (Udp(spts=(0, 1023)), [PortCmp("sport", "lte", 1023, 1023)]),
        (Udp(spts=(0, 1023), inv=frozenset({"sport"})), [PortCmp("sport", "gt", 1023, 1023)]),
        (Udp(dpts=(1024, 65535)), [PortCmp("dport", "range", 1024, 65535)]),
        (Udp(spts=(0, 0)), [PortCmp("sport", "eq", 0, 0)]),
        (Udp(inv=frozenset({"sport"})), []),
    ],
)
def test_encode(value: Udp, exprs: list[PortCmp]) -> None:
    assert encode_ports(value) == exprs


def test_decode_round_trips_and_its_losses() -> None:
    def round_trip(value: Udp) -> Udp:
        out = Udp()
        for expr in encode_ports(value):
            out = decode_ports(out, expr)
        return out

    both = Udp(spts=(5, 5), dpts=(7, 7), inv=frozenset({"sport", "dport"}))
    assert round_trip(both) == both
    assert round_trip(Udp(dpts=(3, 9), inv=frozenset({"dport"}))) == Udp(dpts=(3, 9), inv=frozenset({"dport"}))
    # "sport > 1023" has no inversion any more
    assert round_trip(Udp(spts=(0, 1023), inv=frozenset({"sport"}))) == Udp(spts=(1024, 65535))


def test_bare_plus_interface() -> None:
    sh = Shell()
    for prog in ("iptables", "iptables-legacy"):
        sh.ok(f"{prog} -A FORWARD -i + -o +")
        sh.ok(f"{prog} -A FORWARD ! -i +")
    assert sh.rules()[-2:] == ["-A FORWARD", "-A FORWARD ! -i +"]
    assert sh.rules(flavour="iptables-legacy")[-2:] == ["-A FORWARD", "-A FORWARD"]
    nft = sh.ok("iptables -v -n -L FORWARD").splitlines()[2]
    legacy = sh.ok("iptables-legacy -v -n -L FORWARD").splitlines()[2]
    assert " *      *  " in nft and " +      +  " in legacy
    sh.ok("iptables -D FORWARD -i + -o +")


def test_inverted_any_address_is_a_zero_length_payload() -> None:
    sh = Shell()
    result = sh("iptables -A INPUT ! -s 0/0")
    assert result.status == 4
    assert result.err.startswith("iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument)")
    sh.ok("iptables-legacy -A INPUT ! -s 0/0")
    assert sh.rules(flavour="iptables-legacy")[-1] == "-A INPUT ! -s 0.0.0.0/0"


def test_restore_stops_at_the_line_of_a_native_match_error() -> None:
    script = "*filter\n-A INPUT -p tcp -m tcp --dport 22 -m tcp --sport 1000\n-A INPUT -m tcp --dport 5\nCOMMIT\n"
    result = Shell()("iptables-restore", stdin=script)
    assert result.status == 2
    assert result.err.splitlines()[:2] == [
        "iptables-restore v1.8.9 (nf_tables): TCP match requires '-p tcp'",
        "Error occurred at line: 3",
    ]
    sh = Shell()
    sh.ok("iptables-restore", stdin=script.replace("-A INPUT -m tcp --dport 5\n", ""))
    assert sh.rules()[-1] == "-A INPUT -p tcp -m tcp --sport 1000 --dport 22"


def _outcome(
    read_back: Callable[[MatchEntry, int], tuple[MatchEntry, ...]], entry: MatchEntry, proto: int
) -> tuple[MatchEntry, ...] | str:
    try:
        return read_back(entry, proto)
    except ParameterProblem as err:
        return str(err)


def _whole_rule(entry: MatchEntry, proto: int) -> tuple[MatchEntry, ...]:
    return nft_readback(Rule(proto=proto, matches=(entry,))).matches


_RANGES = [(0, 65535), (0, 0), (0, 1023), (5, 5), (1, 65535), (3, 9), (65535, 65535)]
_INVERSIONS = [frozenset(s) for s in ((), ("sport",), ("dport",), ("sport", "dport"))]


@pytest.mark.parametrize("proto", [6, 17, 1])
def test_reads_back_same_is_only_claimed_when_true(proto: int) -> None:
    """The quick answer of tcp and udp (used by the restore's shapes) never claims that a
    match reads back unchanged when the full encode/decode says otherwise; and it claims it
    for the usual values."""
    values: list[MatchEntry] = []
    for spts, dpts, inv in itertools.product(_RANGES, _RANGES, _INVERSIONS):
        values.append(MatchEntry("udp", Udp(spts=spts, dpts=dpts, inv=inv)))
        for mask, cmp, option in ((0, 0, 0), (0x3F, 0x02, 0), (0, 0x02, 0), (0x17, 0x02, 8)):
            for extra in ((), ("flags",), ("option",)):
                tcp = Tcp(spts, dpts, option, mask, cmp, inv | frozenset(extra))
                values.append(MatchEntry("tcp", tcp))
    claimed = 0
    for entry in values:
        ext = find_match(entry.name)
        assert ext is not None
        # what a rule holding only this match reads back as: merging aside, the same
        full = _outcome(_whole_rule, entry, proto)
        assert _outcome(read_back_alone, entry, proto) == full, entry
        if ext.nft_reads_back_same(entry.value, proto):
            claimed += 1
            assert full == (entry,), entry
    assert claimed > len(values) // 4


def test_two_inverted_single_ports_read_back_as_one_joint_compare() -> None:
    # add_nft_tcpudp: one 32-bit "neq" of the pair; equal (for -D/-C) to the plain value
    value = Udp(spts=(5000, 5000), dpts=(80, 80), inv=frozenset({"sport", "dport"}))
    (stored,) = _whole_rule(MatchEntry("udp", value), 17)
    assert stored.value == value and stored.value.joint and not value.joint
    assert read_back_alone(MatchEntry("udp", value), 17)[0].value.joint
    # ranges, or one inversion, are separate compares
    ranged = Udp(spts=(5000, 5001), dpts=(80, 80), inv=frozenset({"sport", "dport"}))
    assert not _whole_rule(MatchEntry("udp", ranged), 17)[0].value.joint
    tcp = Tcp(spts=(5000, 5000), dpts=(80, 80), inv=frozenset({"sport", "dport"}))
    assert _whole_rule(MatchEntry("tcp", tcp), 6)[0].value.joint
