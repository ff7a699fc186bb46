"""-j HMARK: the tuple option, save/-L texts, the kernel's hash."""

import pytest

from helpers import FakeConn, Shell, ip_packet, parsed_target
from nflab.netfilter.jhash import jhash_3words, reciprocal_scale
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j HMARK --hmark-tuple SP,d,ct --hmark-rnd 5 --hmark-mod 3")
    sh.ok(
        "iptables -A INPUT -j HMARK --hmark-tuple spi,src --hmark-rnd 5 --hmark-mod 3 --hmark-offset 100"
    )
    assert sh.rules()[-2:] == [
        "-A INPUT -j HMARK --hmark-dst-prefix 32 --hmark-sport-mask 0xffff --hmark-rnd 0x00000005"
        " --hmark-mod 3 --hmark-tuple ct",
        "-A INPUT -j HMARK --hmark-src-prefix 32 --hmark-spi-mask 0xffffffff --hmark-rnd 0x00000005"
        " --hmark-mod 3 --hmark-offset 100",
    ]
    row = sh.ok("iptables -nL INPUT").splitlines()[-1]
    assert row.endswith("HMARK mod 3 + 0x64 src-prefix 32 spi-mask 0xffffffff rnd 0x5 ")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "--hmark-mod is mandatory"),
        ("--hmark-mod 2", "--hmark-rnd is mandatory"),
        ("--hmark-mod 2 --hmark-rnd 1", "you have to specify --hmark-tuple at least"),
        ("--hmark-tuple src,foo,dst", 'Bad type "foo,dst"'),
        ("--hmark-tuple src,", '"--hmark-tuple" requires a list of types with no spaces'),
        (
            "--hmark-tuple src --hmark-src-prefix 3",
            'option "--hmark-src-prefix" can only be used once',
        ),
        (
            "--hmark-tuple sport --hmark-spi-mask 4 --hmark-mod 1 --hmark-rnd 1",
            "you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time",
        ),
    ],
)
def test_errors(rule: str, message: str) -> None:
    assert message in Shell()(f"iptables -A INPUT -j HMARK {rule}").err


def test_kernel_refuses_spi_with_ports() -> None:
    result = Shell()(
        "iptables -A INPUT -j HMARK --hmark-spi 1 --hmark-sport 1 --hmark-mod 2 --hmark-rnd 1"
    )
    assert result.status == 4 and "Invalid argument" in result.err


def test_hash_is_symmetric_and_matches_the_kernel_formula() -> None:
    ext, value = parsed_target(
        "-j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-rnd 0x1234 --hmark-mod 100 --hmark-offset 5"
    )
    forward = Skb(ip_packet("10.0.0.1", "10.0.0.2", 1234, 80))
    reply = Skb(ip_packet("10.0.0.2", "10.0.0.1", 80, 1234))
    ext.target(value, forward, Env())
    ext.target(value, reply, Env())
    expected = (
        reciprocal_scale(jhash_3words(0x0A000001, 0x0A000002, (1234 << 16) | 80, 0x1234) ^ 6, 100)
        + 5
    )
    assert forward.mark == reply.mark == expected


def test_ct_mode_uses_reply_source_and_skips_untracked() -> None:
    ext, value = parsed_target("-j HMARK --hmark-tuple ct,src,dst --hmark-rnd 1 --hmark-mod 7")
    conn = FakeConn.between("10.0.0.1", "192.0.2.9", proto=17)
    skb = Skb(ip_packet(), ct=conn, mark=99)
    ext.target(value, skb, Env())
    digest = jhash_3words(0x0A000001, 0xC0000209, 0, 1) ^ 0  # proto mask 0, ports unmasked to 0
    assert skb.mark == reciprocal_scale(digest, 7)
    untracked = Skb(ip_packet(), mark=99)
    ext.target(value, untracked, Env())
    assert untracked.mark == 99
