"""-j SECMARK: parsed and saved, but this kernel maps no security context."""

from helpers import Shell


def test_kernel_refuses() -> None:
    sh = Shell()
    nft = sh("iptables -t security -A INPUT -j SECMARK --selctx system_u:object_r:x:s0")
    assert nft.status == 4 and "RULE_APPEND failed (No such file or directory)" in nft.err
    legacy = sh("iptables-legacy -t security -A INPUT -j SECMARK --selctx foo")
    assert legacy.status == 1 and "No chain/target/match by that name." in legacy.err
    wrong_table = sh("iptables-legacy -A INPUT -j SECMARK --selctx foo")
    assert "Invalid argument" in wrong_table.err
    assert 'SECMARK: option "--selctx" must be specified' in sh("iptables -A INPUT -j SECMARK").err


def test_texts() -> None:
    from nflab.iptables.extension import Show, find_target
    from nflab.iptables.names import Names

    ext = find_target("SECMARK")
    assert ext is not None
    assert ext.save("ctx", Show(True, Names())) == " --selctx ctx"
    assert ext.print("ctx", Show(False, Names())) == " SECMARK selctx ctx"
