"""glibc getopt_long behaviours iptables relies on."""

from nflab.iptables.getopt import MISSING_ARG, NON_OPTION, UNKNOWN, GetoptLong, LongOpt

OPTS = [
    LongOpt("line-numbers", 0, "0"),
    LongOpt("list", 2, "L"),
    LongOpt("to-destination", 1, "D"),
    LongOpt("to-source", 1, "S"),
    LongOpt("sport", 1, "s"),
    LongOpt("source-port", 1, "s"),
]


def scan(argv: list[str], optstring: str = "-:L::nvx") -> list[tuple[object, object]]:
    cursor = GetoptLong(["prog", *argv], optstring)
    out = []
    while (found := cursor.next(OPTS)) is not None:
        out.append((found.code, found.arg))
    return out


def test_unique_prefix_abbreviates_a_long_option() -> None:
    assert scan(["--line"]) == [("0", None)]


def test_ambiguous_prefix_is_unknown() -> None:
    assert scan(["--to", "x"]) == [(UNKNOWN, None), (NON_OPTION, "x")]


def test_prefix_of_synonyms_with_the_same_code_is_not_ambiguous() -> None:
    assert scan(["--so", "80"]) == [("s", "80")]


def test_bundled_short_options() -> None:
    assert scan(["-nvL"]) == [("n", None), ("v", None), ("L", None)]


def test_optional_argument_only_when_attached() -> None:
    assert scan(["-LINPUT"]) == [("L", "INPUT")]
    assert scan(["-L", "INPUT"]) == [("L", None), (NON_OPTION, "INPUT")]


def test_required_argument_takes_next_word_even_if_it_looks_like_an_option() -> None:
    assert scan(["--sport", "-1"]) == [("s", "-1")]


def test_missing_argument() -> None:
    assert scan(["--sport"]) == [(MISSING_ARG, None)]


def test_equals_form() -> None:
    assert scan(["--sport=22"]) == [("s", "22")]
    assert scan(["--line-numbers=1"]) == [(UNKNOWN, None)]


def test_double_dash_ends_options() -> None:
    assert scan(["--", "-n"]) == []
