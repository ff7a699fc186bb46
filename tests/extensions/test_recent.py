"""-m recent: defaults appended, kernel checks, shared named lists in env.services."""

from dataclasses import replace

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m recent --set")
    sh.ok(
        "iptables -A INPUT -m recent ! --rcheck --seconds 60 --reap --hitcount 3 --rttl "
        "--name foo --rdest --mask 255.255.0.0"
    )
    assert sh.rules()[3:] == [
        "-A INPUT -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource",
        "-A INPUT -m recent ! --rcheck --seconds 60 --reap --hitcount 3 --rttl --name foo "
        "--mask 255.255.0.0 --rdest",
    ]
    lines = sh.ok("iptables -L INPUT").splitlines()
    assert lines[2].endswith(
        "anywhere             recent: SET name: DEFAULT side: source mask: 255.255.255.255"
    )
    assert lines[3].endswith(
        "anywhere             ! recent: CHECK seconds: 60 reap hit_count: 3 TTL-Match name: foo "
        "side: dest mask: 255.255.0.0"
    )


@pytest.mark.parametrize(
    ("rule", "status", "message"),
    [
        ("", 2, "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'"),
        ("--set --rttl", 2, 'recent: option "--rttl" cannot be used together with "--set".'),
        ("--rcheck --reap", 2, 'recent: option "--reap" also requires "--seconds".'),
        ("--set --rcheck", 2, 'recent: option "--set" cannot be used together with "--rcheck".'),
        ("--set --seconds 5", 4, "RULE_APPEND failed (Invalid argument)"),
        ("--rcheck --hitcount 65536", 4, "RULE_APPEND failed (Invalid argument)"),
        ("--rcheck --name a/b", 4, "RULE_APPEND failed (Invalid argument)"),
        ("--rcheck --name ..", 4, "RULE_APPEND failed (Invalid argument)"),
    ],
)
def test_errors(rule: str, status: int, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m recent {rule}")
    assert result.status == status and message in result.err.splitlines()[0]


def test_hitcount_limit_and_legacy_message() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -A INPUT -m recent --rcheck --hitcount 65535")
    result = sh("iptables-legacy -A INPUT -m recent --rcheck --hitcount 65536")
    assert (result.status, result.err) == (
        1,
        "iptables: Invalid argument. Run `dmesg' for more information.\n",
    )


def test_set_then_check_with_seconds_and_hitcount() -> None:
    ext_set, set_value = parsed_match("-m recent --set --name ssh")
    ext, check = parsed_match("-m recent --update --seconds 60 --hitcount 3 --name ssh")
    env = Env(now=1000.0)
    skb = Skb(ip_packet(src="192.0.2.7"))
    assert not ext.matches(check, skb, env)  # not in the list yet
    assert ext_set.matches(set_value, skb, env)
    assert not ext.matches(check, skb, env)  # one hit: update needs 3 within 60 s
    assert ext_set.matches(set_value, skb, env)
    assert ext_set.matches(set_value, skb, env)
    assert ext.matches(check, skb, env)  # three stamps now (update adds a fourth)
    env.now += 120  # all stamps are too old
    assert not ext.matches(check, skb, env)
    assert not ext.matches(check, Skb(ip_packet(src="192.0.2.8")), env)
    table = env.services["xt_recent"]["ssh"]
    assert table.proc_text().startswith("src=192.0.2.7 ttl: 64 last_seen: ")


def test_remove_rdest_mask_and_invert() -> None:
    ext, setter = parsed_match("-m recent --set --rdest --mask 255.255.255.0 --name m")
    _, remover = parsed_match("-m recent ! --remove --rdest --name m")
    env = Env()
    assert ext.matches(setter, Skb(ip_packet(dst="198.51.100.1")), env)
    table = env.services["xt_recent"]["m"]
    assert [str(e.addr) for e in table.entries] == ["198.51.100.0"]
    # the table's mask is the creating rule's: .77 is in the same /24
    assert not ext.matches(remover, Skb(ip_packet(dst="198.51.100.77")), env)
    assert table.entries == []
    assert ext.matches(remover, Skb(ip_packet(dst="198.51.100.77")), env)


def test_rttl_and_list_size() -> None:
    ext, setter = parsed_match("-m recent --set --name t")
    _, check = parsed_match("-m recent --rcheck --rttl --name t")
    env = Env()
    skb = Skb(ip_packet())
    ext.matches(setter, skb, env)
    assert ext.matches(check, skb, env)
    other_ttl = Skb(replace(skb.packet, ip=replace(skb.packet.ip, ttl=10)))
    assert not ext.matches(check, other_ttl, env)
    for i in range(150):  # ip_list_tot: 100 entries, the least recently used go first
        ext.matches(setter, Skb(ip_packet(src=f"10.9.{i // 250}.{i % 250}")), env)
    assert len(env.services["xt_recent"]["t"].entries) == 100
