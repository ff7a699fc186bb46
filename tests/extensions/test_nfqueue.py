"""-j NFQUEUE: queue numbers and balancing, the kernel's check, where a packet goes."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.hooks import nf_queue
from nflab.netfilter.jhash import be32_word, jhash_3words, reciprocal_scale
from nflab.netfilter.skb import Env, Skb, XtVerdict


@pytest.mark.parametrize(
    ("options", "saved", "listed"),
    [
        ("", "--queue-num 0", "NFQUEUE num 0"),
        ("--queue-num 7 --queue-bypass", "--queue-num 7 --queue-bypass", "NFQUEUE num 7 bypass"),
        ("--queue-cpu-fanout --queue-balance 2:5", "--queue-balance 2:5 --queue-cpu-fanout",
         "NFQUEUE balance 2:5 cpu-fanout"),
        ("--queue-balance :3", "--queue-balance 0:3", "NFQUEUE balance 0:3"),
        ("--queue-balance 65534:", "--queue-balance 65534:65535", "NFQUEUE balance 65534:65535"),
    ],
)
def test_texts(options: str, saved: str, listed: str) -> None:
    sh = Shell()
    sh.ok(f"iptables -A INPUT -j NFQUEUE {options}")
    assert sh.rules()[-1] == f"-A INPUT -j NFQUEUE {saved}"
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(listed)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--queue-balance 5", 'Bad range "5"'),
        ("--queue-balance 5:5", "5 should be less than 5"),
        ("--queue-cpu-fanout", 'NFQUEUE: option "--queue-cpu-fanout" also requires "--queue-balance".'),
        ("--queue-num 1 --queue-balance 1:2",
         'NFQUEUE: option "--queue-num" cannot be used together with "--queue-balance".'),
        ("--queue-balance 1:65536",
         'NFQUEUE: bad value for option "--queue-balance" near "65536", or out of range (0-65535).'),
    ],
)
def test_errors(options: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -j NFQUEUE {options}")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_kernel_refuses_65536_queues() -> None:
    result = Shell()("iptables-legacy -A INPUT -j NFQUEUE --queue-balance 0:65535")
    assert (result.status, result.err) == (1, "iptables: Invalid argument. Run `dmesg' for more information.\n")


def _queued(value: object, ext: object, env: Env) -> XtVerdict:
    """The target's verdict as the hook turns it into the packet's fate (``nf_queue``)."""
    skb = Skb(ip_packet())
    verdict = ext.target(value, skb, env)  # type: ignore[attr-defined]
    assert verdict is XtVerdict.QUEUE and skb.nfqueue == 3  # NF_QUEUE and its queue number
    return nf_queue(skb, env)


def test_queue_or_drop_or_bypass() -> None:
    ext, value = parsed_target("-j NFQUEUE --queue-num 3")
    assert _queued(value, ext, Env()) is XtVerdict.DROP  # nobody listens
    assert _queued(value, ext, Env(services={"nfqueue": {3}})) is XtVerdict.QUEUE
    ext, bypass = parsed_target("-j NFQUEUE --queue-num 3 --queue-bypass")
    assert _queued(bypass, ext, Env()) is XtVerdict.ACCEPT


def test_balance_keeps_both_directions_together() -> None:
    ext, value = parsed_target("-j NFQUEUE --queue-balance 10:13")
    env = Env()
    there = ext.queue_for(value, Skb(ip_packet("10.0.0.1", "10.0.0.2")), env)
    back = ext.queue_for(value, Skb(ip_packet("10.0.0.2", "10.0.0.1", 80, 1234)), env)
    assert there == back
    seed = env.state[("NFQUEUE", "jhash_initval")]
    a, b = be32_word(IPv4Address("10.0.0.1").packed), be32_word(IPv4Address("10.0.0.2").packed)
    assert there == 10 + reciprocal_scale(jhash_3words(min(a, b), max(a, b), 6, seed), 4)
    ext, fanout = parsed_target("-j NFQUEUE --queue-balance 10:13 --queue-cpu-fanout")
    assert ext.queue_for(fanout, Skb(ip_packet()), env) == 10  # one simulated CPU
