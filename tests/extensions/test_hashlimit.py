"""-m hashlimit (revision 3): rate and byte-rate texts, table parameters, per-group buckets."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.extensions.hashlimit_htable import bytes_to_cost, cost_to_bytes
from nflab.netfilter.skb import Env, Skb


def _saved(rule: str, flavour: str = "iptables") -> str:
    sh = Shell()
    sh.ok(f"{flavour} -A INPUT -m hashlimit {rule}")
    return sh.rules(flavour=flavour)[-1].removeprefix("-A INPUT -m hashlimit ")


@pytest.mark.parametrize("flavour", ["iptables", "iptables-legacy"])
@pytest.mark.parametrize(
    ("rule", "saved"),
    [
        (
            "--hashlimit 10/min --hashlimit-name x --hashlimit-mode dstport,srcip "
            "--hashlimit-srcmask 24",
            "--hashlimit-upto 10/min --hashlimit-burst 5 --hashlimit-mode srcip,dstport"
            " --hashlimit-name x --hashlimit-srcmask 24",
        ),
        (
            "--hashlimit-upto 4kb/s --hashlimit-burst 400kb --hashlimit-name b",
            "--hashlimit-upto 4kb/s --hashlimit-burst 400kb --hashlimit-name b",
        ),
        (
            "--hashlimit-upto 10mb/s --hashlimit-name b",
            "--hashlimit-upto 10mb/s --hashlimit-name b",
        ),
        (
            "! --hashlimit-above 3/hour --hashlimit-name x --hashlimit-htable-expire 2000",
            "--hashlimit-upto 3/hour --hashlimit-burst 5 --hashlimit-name x "
            "--hashlimit-htable-expire 2000",
        ),
        (
            "--hashlimit-above 40/min --hashlimit-name r --hashlimit-rate-match "
            "--hashlimit-rate-interval 10",
            "--hashlimit-above 40/sec --hashlimit-burst 5 --hashlimit-name r"
            " --hashlimit-htable-expire 60000 --hashlimit-rate-match --hashlimit-rate-interval 10",
        ),
        (
            "--hashlimit-upto 1/s --hashlimit-name x --hashlimit-htable-size 2000000",
            "--hashlimit-upto 1/sec --hashlimit-burst 5 --hashlimit-name x "
            "--hashlimit-htable-size 1048576",
        ),
    ],
)
def test_saved(flavour: str, rule: str, saved: str) -> None:
    assert _saved(rule, flavour) == saved


def test_listing() -> None:
    sh = Shell()
    sh.ok(
        "iptables -A INPUT -m hashlimit --hashlimit-upto 4kb/s --hashlimit-burst 400kb "
        "--hashlimit-name b"
    )
    sh.ok(
        "iptables -A INPUT -m hashlimit --hashlimit-above 40/min --hashlimit-name r "
        "--hashlimit-rate-match --hashlimit-rate-interval 10 --hashlimit-mode srcip,srcport"
    )
    lines = sh.ok("iptables -L INPUT").splitlines()
    assert lines[2].endswith("anywhere             limit: up to 4kb/s burst 400kb")
    # the listing shows a rate-match rate per interval: 40/sec over 10 s is 4/sec
    assert lines[3].endswith(
        "limit: above 4/sec burst 5 mode srcip-srcport htable-expire 60000 rate-match "
        "rate-interval 10"
    )


@pytest.mark.parametrize(
    ("rule", "status", "message"),
    [
        ("--hashlimit-name x", 2, "You have to specify --hashlimit"),
        ("--hashlimit-upto 1/s", 2, 'hashlimit: option "--hashlimit-name" must be specified'),
        (
            "--hashlimit-upto 1/s --hashlimit-name ''",
            2,
            "Argument must have a minimum length of 1 characters",
        ),
        (
            "--hashlimit 5/x --hashlimit-name x",
            2,
            'hashlimit: Bad value for "--hashlimit-upto" option: "5/x"',
        ),
        (
            "--hashlimit-upto 1/s --hashlimit-name x --hashlimit-mode foo",
            2,
            'hashlimit: Bad value for "--hashlimit-mode" option: "foo"',
        ),
        (
            "--hashlimit-upto 1/s --hashlimit-name x --hashlimit-burst 1000k",
            2,
            'bad value for option "--hashlimit-burst", or out of range (1-1000000).',
        ),
        (
            "--hashlimit-upto 96b/s --hashlimit-burst 5 --hashlimit-name x",
            2,
            "burst cannot be smaller than 96b",
        ),
        ("--hashlimit-upto 2000000/s --hashlimit-name x", 2, 'Rate too fast "2000000/s"'),
        (
            "--hashlimit-above 1/s --hashlimit-upto 1/s --hashlimit-name x",
            2,
            'hashlimit: option "--hashlimit-upto" cannot be used together with '
            '"--hashlimit-above".',
        ),
        ("--hashlimit-upto 1/s --hashlimit-name a/b", 4, "RULE_APPEND failed (Invalid argument)"),
        (
            "--hashlimit-upto 1/s --hashlimit-name x --hashlimit-srcmask 33",
            4,
            "RULE_APPEND failed (Invalid argument)",
        ),
        (
            "--hashlimit-upto 1/day --hashlimit-burst 1000000 --hashlimit-name x",
            4,
            "RULE_APPEND failed (Numerical result out of range)",
        ),
    ],
)
def test_errors(rule: str, status: int, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m hashlimit {rule}")
    assert result.status == status and message in result.err.splitlines()[0]


def test_byte_cost_round_trip() -> None:
    # a cost stands for a byte rate close to the one given, and that rate gives the cost back
    for nbytes in (4096, 10 << 20, 123456, 1000):
        cost = bytes_to_cost(nbytes)
        assert abs(cost_to_bytes(cost) - nbytes) / nbytes < 0.01
        assert bytes_to_cost(cost_to_bytes(cost)) == cost


def test_buckets_per_source() -> None:
    ext, value = parsed_match(
        "-m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 2 --hashlimit-mode srcip "
        "--hashlimit-name t"
    )
    env = Env(now=50.0)
    a, b = Skb(ip_packet(src="10.0.0.1")), Skb(ip_packet(src="10.0.0.9"))
    assert [ext.matches(value, a, env) for _ in range(3)] == [True, True, False]
    assert [ext.matches(value, b, env) for _ in range(3)] == [True, True, False]
    env.now += 0.5  # half a packet's worth of credit (the lookup keeps the entry alive)
    assert not ext.matches(value, a, env)
    env.now += 0.5
    assert [ext.matches(value, a, env) for _ in range(2)] == [True, False]
    env.now += 1.5  # idle past htable-expire (1 s for a rate per second): a fresh bucket
    assert [ext.matches(value, a, env) for _ in range(3)] == [True, True, False]
    assert "t" in env.services["hashlimit"]


def test_above_and_masks_and_expiry() -> None:
    ext, value = parsed_match(
        "-m hashlimit --hashlimit-above 1/min --hashlimit-burst 1 --hashlimit-mode srcip "
        "--hashlimit-srcmask 24 --hashlimit-name m --hashlimit-htable-expire 2000"
    )
    env = Env(now=10.0)
    first, neighbour = Skb(ip_packet(src="10.1.1.1")), Skb(ip_packet(src="10.1.1.200"))
    assert not ext.matches(value, first, env)  # within the rate: "above" does not match
    assert ext.matches(value, neighbour, env)  # same /24 group, over the rate
    table = env.services["hashlimit"]["m"]
    assert len(table.entries) == 1
    env.now += 5  # idle longer than htable-expire: the garbage collector removed it
    assert not ext.matches(value, first, env)


def test_byte_rate() -> None:
    ext, value = parsed_match("-m hashlimit --hashlimit-upto 1kb/s --hashlimit-name bytes")
    env = Env(now=1.0)
    big = Skb(ip_packet(payload=b"x" * 460))  # 500 bytes on the wire
    assert [ext.matches(value, big, env) for _ in range(4)] == [True, True, False, False]


def test_full_table_drops() -> None:
    ext, value = parsed_match(
        "-m hashlimit --hashlimit-upto 1/s --hashlimit-mode srcip --hashlimit-name full "
        "--hashlimit-htable-size 1 --hashlimit-htable-max 2"  # max >= size (8192 by default)
    )
    env = Env()
    for host in (1, 2):
        assert ext.matches(value, Skb(ip_packet(src=f"10.0.0.{host}")), env)
    third = Skb(ip_packet(src="10.0.0.3"))
    assert not ext.matches(value, third, env) and third.hotdrop
