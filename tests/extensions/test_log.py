"""-j LOG: texts (level names, flags, prefix quoting and truncation), the logged line."""

import pytest

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_save_and_list() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j LOG --log-uid --log-prefix 'x: ' --log-level crit --log-tcp-options")
    assert sh.rules()[-1] == "-A INPUT -j LOG --log-prefix \"x: \" --log-level 2 --log-tcp-options --log-uid"
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(
        'LOG level crit tcp-options uid prefix "x: "'
    )
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith('LOG flags 10 level 2 prefix "x: "')


@pytest.mark.parametrize(
    ("options", "saved", "listed"),
    [
        ("", "-j LOG", "LOG level warn"),
        ("--log-level 4", "-j LOG", "LOG level warn"),
        ("--log-level error", "-j LOG --log-level 3", "LOG level err"),
        ("--log-level panic", "-j LOG --log-level 0", "LOG level emerg"),
        ("--log-level 7 --log-ip-options --log-macdecode --log-tcp-sequence",
         "-j LOG --log-level 7 --log-tcp-sequence --log-ip-options --log-macdecode",
         "LOG level debug tcp-sequence ip-options macdecode"),
        ("--log-prefix IN", "-j LOG --log-prefix IN", 'LOG level warn prefix "IN"'),
        ("--log-prefix \"it's\"", "-j LOG --log-prefix \"it\\'s\"", "LOG level warn prefix \"it's\""),
    ],
)
def test_forms(options: str, saved: str, listed: str) -> None:
    sh = Shell()
    sh.ok(f"iptables-legacy -A OUTPUT -j LOG {options}")
    assert sh.rules(flavour="iptables-legacy")[-1] == f"-A OUTPUT {saved}"
    assert sh.ok("iptables-legacy -L OUTPUT").splitlines()[-1].endswith(listed)


def test_prefix_is_cut_to_29_characters_and_deleted_by_that() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j LOG --log-prefix abcdefghijklmnopqrstuvwxyz0123456789")
    assert sh.rules()[-1] == "-A INPUT -j LOG --log-prefix abcdefghijklmnopqrstuvwxyz012"
    sh.ok("iptables -D INPUT -j LOG --log-prefix abcdefghijklmnopqrstuvwxyz012-other")
    assert sh.rules() == ["-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--log-level bad", 'log level "bad" unknown'),
        ("--log-level 8", 'log level "8" unknown'),
        ("--log-prefix ''", "Argument must have a minimum length of 1 characters"),
        ("--log-prefix 'a\nb'", "Newlines not allowed in --log-prefix"),
        ("--log-uid --log-uid", 'LOG: option "--log-uid" can only be used once.'),
        ("--log-prefix", 'option "--log-prefix" requires an argument'),
    ],
)
def test_errors(options: str, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -j LOG {options}")
    assert result.status == 2
    assert result.err.splitlines()[0] == f"iptables v1.8.9 (nf_tables): {message}"


def test_logs_the_kernel_line_and_continues() -> None:
    ext, value = parsed_target("-j LOG --log-prefix 'drop: ' --log-level 6 --log-tcp-sequence")
    lines: list[tuple[int, str]] = []
    skb = Skb(ip_packet(), hook="INPUT", in_iface="eth0", mac_header=bytes(range(12)) + b"\x08\x00")
    assert ext.target(value, skb, Env(log=lambda level, line: lines.append((level, line)))) is (
        XtVerdict.CONTINUE
    )
    assert lines == [(
        6,
        "drop: IN=eth0 OUT= MAC=00:01:02:03:04:05:06:07:08:09:0a:0b:08:00 SRC=10.0.0.1 DST=10.0.0.2 "
        "LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=TCP SPT=1234 DPT=80 SEQ=0 ACK=0 "
        "WINDOW=64240 RES=0x00 URGP=0 ",
    )]
