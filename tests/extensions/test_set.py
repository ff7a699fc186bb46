"""-m set: without ipset every set is unknown; option errors as libxt_set."""

from helpers import Shell


def test_unknown_set() -> None:
    sh = Shell()
    result = sh("iptables -A INPUT -m set ! --match-set blocked src,dst")
    assert result.status == 2 and "Set blocked doesn't exist." in result.err


def test_option_errors() -> None:
    sh = Shell()
    assert "--match-set requires two args." in sh("iptables -A INPUT -m set --match-set x").err
    assert "You must specify `--match-set' with proper arguments" in sh(
        "iptables -A INPUT -m set --return-nomatch"
    ).err
    assert "only one of the --packets-[eq|lt|gt] is allowed" in sh(
        "iptables -A INPUT -m set --packets-eq 1 --packets-gt 2"
    ).err
    assert "--bytes-lt option cannot be inverted" in sh("iptables -A INPUT -m set ! --bytes-lt 1").err
    deprecated = sh("iptables -A INPUT -m set --set x src").err.splitlines()
    assert deprecated[0] == "--set option deprecated, please use --match-set"
