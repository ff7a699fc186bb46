"""-j SET: argument checks before the (always failing) set lookup, final checks."""

from helpers import Shell
from nflab.extensions.set_target import SetAction, SetRef, SetTarget
from nflab.iptables.extension import Show
from nflab.iptables.names import Names


def test_errors() -> None:
    sh = Shell()
    assert "Set foo doesn't exist." in sh("iptables -A INPUT -j SET --add-set foo src,dst").err
    assert "--add-set requires two args." in sh("iptables -A INPUT -j SET --add-set foo").err
    assert (
        "setname `" + "a" * 32 + "' too long, max 31 characters."
        in sh("iptables -A INPUT -j SET --add-set " + "a" * 32 + " src").err
    )
    assert (
        "You must specify either `--add-set' or `--del-set' or `--map-set'"
        in sh("iptables -A INPUT -j SET --exist").err
    )
    assert (
        "Invalid value for option --timeout or out of range 0-4294967294"
        in sh("iptables -A INPUT -j SET --timeout x").err
    )


def test_texts() -> None:
    value = SetAction(
        add_set=SetRef("a", ("src", "dst")),
        flags=frozenset({"exist"}),
        timeout=5,
        map_set=SetRef("m", ("dst",)),
    )
    show = Show(True, Names())
    assert (
        SetTarget().save(value, show) == " --add-set a src,dst --exist --timeout 5 --map-set m dst"
    )
    assert SetTarget().print(value, show) == " add-set a src,dst exist timeout 5 map-set m dst"
