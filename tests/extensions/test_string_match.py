"""-m string: quoting and hex rendering, hex-string parsing, kernel checks, search window."""

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.extensions.string_match import parse_hex_string, pattern_text
from nflab.iptables.errors import ParameterProblem
from nflab.netfilter.skb import Env, Skb


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m string --algo bm --from 0 --to 65535 --string test")
    sh.ok(
        "iptables -A INPUT -m string ! --hex-string '|414243|' --algo kmp --from 10 --to 100 "
        "--icase"
    )
    sh.ok("iptables -A INPUT -m string --hex-string 'a|0d0a|b' --algo bm")
    assert sh.rules()[3:] == [
        '-A INPUT -m string --string "test" --algo bm',
        '-A INPUT -m string ! --string "ABC" --algo kmp --from 10 --to 100 --icase',
        '-A INPUT -m string --hex-string "|610d0a62|" --algo bm',
    ]
    lines = sh.ok("iptables -L INPUT").splitlines()
    assert lines[2].endswith('anywhere             STRING match  "test" ALGO name bm')
    assert lines[3].endswith('STRING match ! "ABC" ALGO name kmp FROM 10 TO 100 ICASE')


def test_pattern_text() -> None:
    assert pattern_text(b'say "hi"') == r'"say \"hi\""'
    assert pattern_text(b"a\\b") == r'"a\\b"'
    assert pattern_text(b"ends\\") == '"|656e64735c|"'  # a final backslash forces hex
    assert pattern_text(b"\x00\xff") == '"|00ff|"'


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("|0a0a|", b"\n\n"), ("| 41 42|x", b"ABx"), ("a\\|b", b"a|b"), ("|41||42|", b"A|42")],
)
def test_hex_string(text: str, pattern: bytes) -> None:
    assert parse_hex_string(text) == pattern


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("|4|", "Invalid hex block"),
        ("|41", "Invalid hex block"),
        ("|4", "Odd number of hex digits"),
        ("|4g|", "Invalid hex char 'g'"),
        ("ab\\", "Bad literal placement at end of string"),
        ("|41\\|", "Cannot include literals in hex data"),
        ("", "STRING must contain at least one char"),
    ],
)
def test_hex_string_errors(text: str, message: str) -> None:
    with pytest.raises(ParameterProblem) as err:
        parse_hex_string(text)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("rule", "status", "message"),
    [
        ("--algo bm", 2, "STRING match: You must specify `--string' or `--hex-string'"),
        ("--string x", 2, 'string: option "--algo" must be specified'),
        ("--string " + "x" * 129 + " --algo bm", 2, 'STRING too long "' + "x" * 129 + '"'),
        ("--string '' --algo bm", 4, "RULE_APPEND failed (Invalid argument)"),
        ("--string x --algo wrong", 4, "RULE_APPEND failed (No such file or directory)"),
        ("--string x --algo bm --from 10 --to 5", 4, "RULE_APPEND failed (Invalid argument)"),
        ("--string x --algo fsm", 4, "RULE_APPEND failed (Invalid argument)"),
    ],
)
def test_errors(rule: str, status: int, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m string {rule}")
    assert result.status == status and message in result.err.splitlines()[0]


def test_search_window_from_ip_header() -> None:
    skb = Skb(ip_packet(payload=b"GET /index.html HTTP/1.1"))  # payload starts at byte 40
    env = Env()
    ext, value = parsed_match("-m string --string index --algo bm")
    assert ext.matches(value, skb, env)
    _, late = parsed_match("-m string --string GET --algo kmp --from 41")
    assert not ext.matches(late, skb, env)
    _, window = parsed_match("-m string --string GET --algo kmp --from 40 --to 43")
    assert ext.matches(window, skb, env)
    _, short = parsed_match("-m string --string GET --algo kmp --from 40 --to 42")
    assert not ext.matches(short, skb, env)
    _, icase = parsed_match("-m string ! --string http/1.1 --algo bm --icase")
    assert not ext.matches(icase, skb, env)
    _, header = parsed_match("-m string --hex-string '|0a000001|' --algo bm --to 20")
    assert ext.matches(header, skb, env)  # the source address 10.0.0.1 in the IP header
