"""-m time: parsing, the appended 2038 datestop, listing, evaluation on env.wall_clock."""

import calendar

import pytest

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def _stamp(text: str) -> float:
    return float(calendar.timegm(__import__("time").strptime(text, "%Y-%m-%d %H:%M:%S")))


def test_texts() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m time --timestart 09:00 --timestop 18:00")
    sh.ok(
        "iptables -A INPUT -m time --timestart 22:00 --timestop 02:00 --contiguous "
        "--weekdays 1,Sat ! --monthdays 1,31,2,3,22 --kerneltz"
    )
    sh.ok("iptables -A INPUT -m time --datestart 2024-01-01 --datestop 2024-02-30")
    assert sh.rules()[3:] == [
        "-A INPUT -m time --timestart 09:00:00 --timestop 18:00:00 --datestop 2038-01-19T03:14:07",
        "-A INPUT -m time --timestart 22:00:00 --timestop 02:00:00 --monthdays "
        "4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,23,24,25,26,27,28,29,30 "
        "--weekdays Mon,Sat --datestop 2038-01-19T03:14:07 --kerneltz --contiguous",
        "-A INPUT -m time --datestart 2024-01-01T00:00:00 --datestop 2024-03-01T00:00:00",
    ]
    lines = sh.ok("iptables -L INPUT").splitlines()
    assert lines[2].endswith("anywhere             TIME from 09:00:00 to 18:00:00 UTC")
    assert " on Mon,Sat on 4th,5th," in lines[3] and "11st,12nd,13rd," in lines[3]
    assert lines[3].endswith("30th contiguous")
    assert lines[4].endswith(
        "TIME starting from 2024-01-01 00:00:00 until date 2024-03-01 00:00:00 UTC"
    )


@pytest.mark.parametrize(
    ("rule", "status", "message"),
    [
        ("--timestart 25:00", 2, 'invalid time "25:00" specified'),
        ("--timestart 1:61", 2, 'invalid time "61" specified'),
        ("--timestart 1:1:1x", 2, 'invalid time "1x" specified'),
        (
            "--datestart 2039",
            2,
            'Invalid date "2039" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]',
        ),
        ("--datestart 1970-00", 1, "mktime: No such file or directory"),
        ("--monthdays 08", 2, "08 is not a valid day for --monthdays"),
        ("--weekdays 0", 2, "No, the week does NOT begin with Sunday."),
        ("--weekdays M", 2, "M is not a valid day specifier"),
        (
            "--timestart 1:00 --timestop 2:00 --contiguous",
            2,
            "time: --contiguous only makes sense when stoptime is smaller than starttime",
        ),
        ("--utc --kerneltz", 2, 'time: option "--utc" cannot be used together with "--kerneltz".'),
    ],
)
def test_errors(rule: str, status: int, message: str) -> None:
    result = Shell()(f"iptables -A INPUT -m time {rule}")
    assert result.status == status and message in result.err.splitlines()[0]


def test_localtz_warns() -> None:
    result = Shell()("iptables -A INPUT -m time --localtz")
    assert result.status == 0 and result.err.startswith("WARNING: --localtz is being replaced")


def test_daytime_weekday_and_date_range() -> None:
    ext, value = parsed_match(
        "-m time --timestart 09:00 --timestop 18:00 --weekdays Mon,Tue "
        "--datestart 2024-01-01 --datestop 2024-12-31"
    )
    skb = Skb(ip_packet())
    assert ext.matches(value, skb, Env(wall_clock=_stamp("2024-05-06 12:00:00")))  # a Monday
    assert not ext.matches(value, skb, Env(wall_clock=_stamp("2024-05-06 18:00:01")))
    assert not ext.matches(value, skb, Env(wall_clock=_stamp("2024-05-08 12:00:00")))  # Wednesday
    assert not ext.matches(value, skb, Env(wall_clock=_stamp("2025-01-06 12:00:00")))


def test_overnight_contiguous_and_kerneltz() -> None:
    ext, plain = parsed_match("-m time --timestart 23:00 --timestop 01:00 --weekdays Mon")
    _, contiguous = parsed_match(
        "-m time --timestart 23:00 --timestop 01:00 --weekdays Mon --contiguous"
    )
    skb = Skb(ip_packet())
    tuesday_early = Env(wall_clock=_stamp("2024-05-07 00:30:00"))
    assert not ext.matches(plain, skb, tuesday_early)  # 00:30 on a Tuesday
    assert ext.matches(contiguous, skb, tuesday_early)  # belongs to Monday's window
    _, local = parsed_match("-m time --timestart 10:00 --timestop 11:00 --kerneltz")
    env = Env(wall_clock=_stamp("2024-05-06 08:30:00"), kernel_tz_minuteswest=-120)  # UTC+2
    assert ext.matches(local, skb, env)
    _, monthday = parsed_match("-m time --monthdays 6")
    assert ext.matches(monthday, skb, env) and not ext.matches(monthday, skb, tuesday_early)
