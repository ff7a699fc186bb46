"""``-m time`` (libxt_time.c, kernel xt_time.c): match on the wall clock at packet time.

Times are UTC (userspace converts dates with ``TZ=UTC``); ``--kerneltz`` makes
the kernel shift the clock by its own timezone (``env.kernel_tz_minuteswest``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import strtoumax
from ..iptables.errors import KernelRejected, OtherProblem, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.skb import Env, Skb

LOCAL_TZ, CONTIGUOUS = 0x1, 0x2  # XT_TIME_*
ALL_MONTHDAYS, ALL_WEEKDAYS = 0xFFFFFFFE, 0xFE
MAX_DAYTIME = 24 * 60 * 60 - 1
INT_MAX = 2**31 - 1
WEEK_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH = datetime.date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class Time:
    """``struct xt_time_info``."""

    date_start: int = 0
    date_stop: int = INT_MAX
    daytime_start: int = 0
    daytime_stop: int = MAX_DAYTIME
    monthdays: int = ALL_MONTHDAYS
    weekdays: int = ALL_WEEKDAYS
    flags: int = 0


def _strtoul(s: str, base: int = 10) -> tuple[int, str]:
    """``strtoul`` into an ``unsigned int``: (value, rest); 0 and all of ``s`` without digits."""
    value, end, _ = strtoumax(s, base)
    if value is None:
        return 0, s
    return value & 0xFFFFFFFF, s[end:]


def _mktime_utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """``mktime`` with ``TZ=UTC``: out-of-range months and days roll over like C's."""
    y, m = divmod(year * 12 + month - 1, 12)
    days = datetime.date(y, m + 1, 1).toordinal() - _EPOCH + day - 1
    return days * 86400 + hour * 3600 + minute * 60 + second


def parse_date(text: str, warnings: list[str]) -> int:
    """``time_parse_date``: ``YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`` as seconds since the epoch."""
    fields = [1970, 1, 1, 0, 0, 0]
    # (separator that may follow, upper bound) for each field; the year has a lower bound
    rules = (("-", 2038), ("-", 12), ("T", 31), (":", 23), (":", 59), ("", 59))
    rest = text
    for i, (sep, upper) in enumerate(rules):
        value, rest = _strtoul(rest)
        bad_end = rest != "" and (not sep or rest[0] != sep)
        if bad_end or value > upper or (i == 0 and value < 1970):
            raise ParameterProblem(
                f'Invalid date "{text}" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]'
            )
        fields[i] = value
        if not rest:
            break
        rest = rest[1:]
    stamp = _mktime_utc(*fields)
    if stamp < 0:
        warnings.append("mktime: No such file or directory")  # perror after a failed mktime
        raise OtherProblem("mktime returned an error")
    return stamp


def parse_daytime(text: str) -> int:
    """``time_parse_minutes``: ``hh:mm[:ss]``; the message quotes where parsing stopped."""

    def bad(at: str) -> ParameterProblem:
        return ParameterProblem(
            f'invalid time "{at}" specified, should be hh:mm[:ss] format and within the boundaries'
        )

    hour, rest = _strtoul(text)
    if not rest.startswith(":") or hour > 23:
        raise bad(text)
    at = rest[1:]
    minute, rest = _strtoul(at)
    if rest[:1] not in (":", "") or minute > 59:
        raise bad(at)
    second = 0
    if rest:
        at = rest[1:]
        second, rest = _strtoul(at)
        if rest or second > 59:
            raise bad(at)
    return 3600 * hour + 60 * minute + second


def _segments(arg: str, size: int) -> list[str]:
    """``my_strseg``: comma-separated pieces, each cut to ``size - 1`` characters."""
    pieces = arg.split(",")
    if pieces and pieces[-1] == "":
        pieces.pop()  # the string ends after a comma: no further piece
    return [p[: size - 1] for p in pieces] if arg else []


def parse_monthdays(arg: str) -> int:
    mask = 0
    for day in _segments(arg, 3):
        value, rest = _strtoul(day, 0)
        if rest[:1] not in (",", "") or value > 31:
            raise ParameterProblem(f"{day} is not a valid day for --monthdays")
        mask |= 1 << value
    return mask


def parse_weekdays(arg: str) -> int:
    """``time_parse_weekdays``: numbers 1-7 or names by their first two letters; the
    result is stored in a byte."""
    mask = 0
    for day in _segments(arg, 4):
        value, rest = _strtoul(day, 0)
        if not rest:
            if value == 0:
                raise ParameterProblem("No, the week does NOT begin with Sunday.")
            mask |= 1 << (value % 32)  # x86 shifts by the count modulo 32
            continue
        found = [i for i, name in enumerate(WEEK_DAYS, 1) if (day + "\0")[:2] == name[:2]]
        if not found:
            raise ParameterProblem(f"{day} is not a valid day specifier")
        for i in found:
            mask |= 1 << i
    return mask & 0xFF


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _date(stamp: int, sep: str) -> str:
    t = datetime.datetime.fromtimestamp(stamp, datetime.UTC)
    clock = _hms(t.hour * 3600 + t.minute * 60 + t.second)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}{sep}{clock}"


def _monthdays_text(mask: int, human: bool) -> str:
    suffix = {1: "st", 2: "nd", 3: "rd"}
    return ",".join(
        f"{i}{suffix.get(i % 10, 'th') if human else ''}" for i in range(1, 32) if mask & (1 << i)
    )


def _weekdays_text(mask: int) -> str:
    return ",".join(name for i, name in enumerate(WEEK_DAYS, 1) if mask & (1 << i))


@register
class TimeMatch(MatchExtension):
    name = "time"
    options = (
        Opt("datestart", OptType.STRING),
        Opt("datestop", OptType.STRING),
        Opt("timestart", OptType.STRING),
        Opt("timestop", OptType.STRING),
        Opt("contiguous"),
        Opt("weekdays", OptType.STRING, invert=True),
        Opt("monthdays", OptType.STRING, invert=True),
        Opt("localtz", excl=("utc",)),
        Opt("utc", excl=("localtz", "kerneltz")),
        Opt("kerneltz", excl=("utc",)),
    )

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        if key in ("datestart", "datestop"):
            d[key] = parse_date(arg, call.warnings)
        elif key in ("timestart", "timestop"):
            d[key] = parse_daytime(arg)
        elif key == "monthdays":
            d[key] = parse_monthdays(arg) ^ (ALL_MONTHDAYS if call.invert else 0)
        elif key == "weekdays":
            d[key] = parse_weekdays(arg) ^ (ALL_WEEKDAYS if call.invert else 0)
        elif key == "localtz":
            call.warnings.append(
                'WARNING: --localtz is being replaced by --kerneltz, since "local" is ambiguous. '
                "Note the kernel timezone has caveats - see manpage for details."
            )
            d["flags"] = d.get("flags", 0) | LOCAL_TZ
        elif key == "kerneltz":
            d["flags"] = d.get("flags", 0) | LOCAL_TZ
        elif key == "contiguous":
            d["flags"] = d.get("flags", 0) | CONTIGUOUS

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Time:
        value = Time(
            data.get("datestart", 0),
            data.get("datestop", INT_MAX),
            data.get("timestart", 0),
            data.get("timestop", MAX_DAYTIME),
            data.get("monthdays", ALL_MONTHDAYS),
            data.get("weekdays", ALL_WEEKDAYS),
            data.get("flags", 0),
        )
        if "contiguous" in seen and value.daytime_start < value.daytime_stop:
            raise ParameterProblem(
                "time: --contiguous only makes sense when stoptime is smaller than starttime"
            )
        return value

    def save(self, value: Time, show: Show) -> str:
        out = ""
        if value.daytime_start != 0 or value.daytime_stop != MAX_DAYTIME:
            out += f" --timestart {_hms(value.daytime_start)} --timestop {_hms(value.daytime_stop)}"
        if value.monthdays != ALL_MONTHDAYS:
            out += " --monthdays " + _monthdays_text(value.monthdays, False)
        if value.weekdays != ALL_WEEKDAYS:
            out += " --weekdays " + _weekdays_text(value.weekdays)
        # 1.8.9 skips only 0 (its "default" test compares with LONG_MAX, never equal
        # to the INT_MAX default), so the default stop date is always written out
        for option, stamp in (("--datestart", value.date_start), ("--datestop", value.date_stop)):
            if stamp:
                out += f" {option} {_date(stamp, 'T')}"
        if value.flags & LOCAL_TZ:
            out += " --kerneltz"
        return out + (" --contiguous" if value.flags & CONTIGUOUS else "")

    def print(self, value: Time, show: Show) -> str:
        out = " TIME"
        if value.daytime_start != 0 or value.daytime_stop != MAX_DAYTIME:
            out += f" from {_hms(value.daytime_start)} to {_hms(value.daytime_stop)}"
        if value.weekdays != ALL_WEEKDAYS:
            out += " on " + _weekdays_text(value.weekdays)
        if value.monthdays != ALL_MONTHDAYS:
            out += " on " + _monthdays_text(value.monthdays, True)
        if value.date_start:
            out += " starting from " + _date(value.date_start, " ")
        if value.date_stop != INT_MAX:
            out += " until date" + (" " + _date(value.date_stop, " ") if value.date_stop else "")
        if not value.flags & LOCAL_TZ:
            out += " UTC"
        return out + (" contiguous" if value.flags & CONTIGUOUS else "")

    def check(self, value: Time, rule: RuleContext) -> None:
        if value.daytime_start > MAX_DAYTIME or value.daytime_stop > MAX_DAYTIME:
            raise KernelRejected("EDOM")

    def matches(self, value: Time, skb: Skb, env: Env) -> bool:
        """xt_time ``time_mt``."""
        stamp = int(env.wall_clock)
        if value.flags & LOCAL_TZ:
            stamp -= 60 * env.kernel_tz_minuteswest
        if stamp < value.date_start or stamp > value.date_stop:
            return False
        daytime = stamp % 86400
        if value.daytime_start < value.daytime_stop:
            if not value.daytime_start <= daytime <= value.daytime_stop:
                return False
        else:
            if value.daytime_stop < daytime < value.daytime_start:
                return False
            if value.flags & CONTIGUOUS and daytime <= value.daytime_stop:
                stamp -= 86400  # the early hours belong to the day the window started
        days = stamp // 86400
        if not value.weekdays & (1 << ((4 + days - 1) % 7 + 1)):
            return False
        if value.monthdays != ALL_MONTHDAYS:
            day = datetime.date.fromordinal(_EPOCH + days).day
            if not value.monthdays & (1 << day):
                return False
        return True
