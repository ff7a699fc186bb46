"""-m ipvs: parsed like libxt_ipvs, refused by a kernel without the module."""

from helpers import Shell, parsed_match
from nflab.iptables.extension import Show
from nflab.iptables.names import Names


def test_missing_module_warning_then_enoent() -> None:
    sh = Shell()
    nft = sh("iptables -A INPUT -m ipvs --vproto tcp")
    assert nft.status == 4
    assert nft.err.splitlines() == [
        "Warning: Extension ipvs revision 0 not supported, missing kernel module?",
        "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (No such file or directory): rule in chain INPUT",
    ]
    legacy = sh("iptables-legacy -A INPUT -m ipvs --ipvs")
    assert legacy.status == 1 and legacy.err.endswith("iptables: No chain/target/match by that name.\n")


def test_parse_errors_follow_the_warning() -> None:
    sh = Shell()
    err = sh("iptables -A INPUT -m ipvs").err.splitlines()
    assert err[0].startswith("Warning: Extension ipvs") and "IPVS: At least one option is required" in err[1]
    assert "! --ipvs cannot be together with other options" in sh(
        "iptables -A INPUT -m ipvs ! --ipvs --vport 22"
    ).err


def test_save_text() -> None:
    ext, value = parsed_match("-m ipvs ! --vaddr 1.2.3.4/255.255.255.0 --vport http --vdir REPLY")
    assert ext.save(value, Show(True, Names())) == " ! --vaddr 1.2.3.4/24 --vport 80 --vdir REPLY"
    _, alone = parsed_match("-m ipvs ! --ipvs")
    assert ext.save(alone, Show(True, Names())) == " ! --ipvs"
