"""-j LED: no kernel module here: a warning, then the kernel refuses."""

from helpers import Shell
from nflab.extensions.led import Led
from nflab.iptables.extension import Show, find_target
from nflab.iptables.names import Names


def test_missing_module() -> None:
    sh = Shell()
    warning = "Warning: Extension LED revision 0 not supported, missing kernel module?"
    nft = sh('iptables -A INPUT -j LED --led-trigger-id "foo"')
    assert nft.status == 4 and nft.err.splitlines()[0] == warning
    assert "RULE_APPEND failed (No such file or directory)" in nft.err
    legacy = sh("iptables-legacy -A INPUT -j LED --led-trigger-id foo")
    assert legacy.status == 1 and legacy.err.splitlines() == [
        warning,
        "iptables: No chain/target/match by that name.",
    ]
    missing = sh("iptables -A INPUT -j LED")
    assert missing.err.splitlines()[:2] == [
        warning,
        'iptables v1.8.9 (nf_tables): LED: option "--led-trigger-id" must be specified',
    ]


def test_texts() -> None:
    ext = find_target("LED")
    assert ext is not None
    show = Show(True, Names())
    assert (
        ext.save(Led('a"b', 0xFFFFFFFF, True), show)
        == ' --led-trigger-id "a\\"b" --led-delay inf --led-always-blink'
    )
    assert ext.print(Led("x", 3000000000), show) == ' led-trigger-id:"x" led-delay:-1294967296ms'
    assert (
        "Delay value must be within range 0..4294967295"
        in Shell()("iptables -A INPUT -j LED --led-trigger-id a --led-delay x").err
    )
