"""-m u32: the re-rendered expression, parse errors with positions, evaluation on wire bytes."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m u32 ! --u32 '0>>22&0x3C@ 12>>26&0x3C@0&0xFFFF=1 && 6&0xFF=1:6,17'")
    expr = '"0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0&0xffff=0x1&&0x6&0xff=0x1:0x6,0x11"'
    assert sh.rules()[-1] == f"-A INPUT -m u32 ! --u32 {expr}"
    assert (
        sh.ok("iptables -nL INPUT").splitlines()[-1].endswith(f"0.0.0.0/0            u32 ! {expr}")
    )


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0=1:2:3", 'u32: at char 5: expected "," or "&&"'),
        ("&1=1", "u32: at char 0: not a number or out of range"),
        ("1<2=1", "u32: at char 2: a second '<' was expected"),
        ("1 x 2=1", "u32: at char 2: operator expected"),
        ("=1", "u32: at char 0: location spec missing"),
        ("1=&&1=1", "u32: at char 3: value spec missing"),
        ("1=1&2", "u32: at char 4: a second '&' was expected"),
        ("1", "u32: abrupt end of input after location specifier"),
        ("1=-1", "u32: at char 2: not a number or out of range"),
        ("&&".join(["1=1"] * 11), 'u32: at char 53: too many "&&"s'),
        ("1=" + ",".join(["1"] * 11), 'u32: at char 23: too many ","s'),
    ],
)
def test_errors(expr: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m u32 --u32 '{expr}'")
    assert result.status == 2 and result.err.splitlines()[0].endswith(message)


def test_tcp_port_via_header_length() -> None:
    # the classic: skip the IP header (IHL from byte 0), then read the TCP destination port
    ext, value = parsed_match("-m u32 --u32 '6&0xFF=6 && 0>>22&0x3C@0&0xFFFF=80'")
    env = Env()
    assert ext.matches(value, Skb(ip_packet(dport=80)), env)
    assert not ext.matches(value, Skb(ip_packet(dport=81)), env)
    assert not ext.matches(value, Skb(ip_packet(dport=80, proto="udp")), env)


def test_bounds_and_shifts() -> None:
    env = Env()
    ext, past_end = parsed_match("-m u32 --u32 '37=0:0xffffffff'")  # a 40-byte packet
    assert not ext.matches(past_end, Skb(ip_packet()), env)
    _, last_word = parsed_match("-m u32 --u32 '36=0:0xffffffff'")
    assert ext.matches(last_word, Skb(ip_packet()), env)
    _, inverted = parsed_match("-m u32 ! --u32 '37=0:0xffffffff'")
    assert ext.matches(inverted, Skb(ip_packet()), env)
    # a shift by 32 or more is taken modulo 32, as the x86 kernel does
    _, shift = parsed_match("-m u32 --u32 '0<<32=0x45000028'")
    assert ext.matches(shift, Skb(ip_packet()), env)
