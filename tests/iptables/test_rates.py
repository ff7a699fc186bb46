"""iptables.rates and the C number helpers limit/hashlimit/statistic/rateest rely on."""

import math

import pytest

from nflab.iptables.cnum import atoi, double_to_uint, strtod, strtoll
from nflab.iptables.rates import XT_LIMIT_SCALE, rate_text, rate_unit_seconds


@pytest.mark.parametrize(
    ("rate", "seconds"),
    [
        ("5", 1),
        ("5/s", 1),
        ("5/SEC", 1),
        ("5/minute", 60),
        ("5/m", 60),
        ("1/h", 3600),
        ("1/d", 86400),
        ("1/days", None),
        ("1/", None),
        ("1/x", None),
    ],
)
def test_units(rate: str, seconds: int | None) -> None:
    assert rate_unit_seconds(rate) == seconds


def test_rate_text_picks_largest_exact_unit() -> None:
    assert rate_text(XT_LIMIT_SCALE * 60 // 10, XT_LIMIT_SCALE) == ("10/min", 60)
    assert rate_text(XT_LIMIT_SCALE * 3600 // 3, XT_LIMIT_SCALE) == ("3/hour", 3600)
    assert rate_text(XT_LIMIT_SCALE // 1500, XT_LIMIT_SCALE)[0] == "1666/sec"
    assert rate_text(0, XT_LIMIT_SCALE)[0] == "inf"


def test_c_conversions() -> None:
    assert strtoll(" -12x") == -12 and strtoll("x") == 0
    assert atoi("4294967297") == 1 and atoi("99999999999999999999") == -1
    assert strtod("0x1p-2") == (0.25, 6)
    assert strtod(" 1e5x") == (100000.0, 4)
    assert strtod("1_0") == (1.0, 1)
    value, end = strtod("nan")
    assert math.isnan(value) and end == 3  # type: ignore[arg-type]
    assert strtod("-") == (None, 0)
    assert double_to_uint(-1.0) == 0xFFFFFFFF and double_to_uint(float("nan")) == 0
