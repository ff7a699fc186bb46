"""-j CONNMARK: set/save/restore through masks and shifts, on the conntrack entry."""

from helpers import FakeConn, Shell, ip_packet, parsed_target
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_save_and_list_texts() -> None:
    sh = Shell()
    for rule in (
        "--restore-mark",
        "--save-mark --mask 0xff",
        "--save-mark --nfmask 0xf0 --ctmask 0xf",
        "--restore-mark --ctmask 0xf --nfmask 0xf0 --left-shift-mark 4",
        "--and-mark 3 --right-shift-mark 2",
        "--set-mark 1",
    ):
        sh.ok(f"iptables -t mangle -A FORWARD -j CONNMARK {rule}")
    saved = [line.split("-j CONNMARK ")[1] for line in sh.rules("mangle")[5:]]
    assert saved == [
        "--restore-mark --nfmask 0xffffffff --ctmask 0xffffffff",
        "--save-mark --nfmask 0xff --ctmask 0xff",
        "--save-mark --nfmask 0xf0 --ctmask 0xf",
        "--restore-mark --nfmask 0xf0 --ctmask 0xf --left-shift-mark 4",
        "--set-xmark 0x0/0xfffffffc --right-shift-mark 2",
        "--set-xmark 0x1/0xffffffff",
    ]
    listing = [
        line.split("0.0.0.0/0")[-1].strip()
        for line in sh.ok("iptables -t mangle -nL FORWARD").splitlines()[2:]
    ]
    assert listing == [
        "CONNMARK restore",
        "CONNMARK save mask 0xff",
        "CONNMARK save nfmask 0xf0 ctmask ~0xf",
        "CONNMARK restore ctmask 0xf nfmask ~0xf0 left-shift-mark 4",
        "CONNMARK and 0x3 right-shift-mark 2",
        "CONNMARK set 0x1",
    ]


def test_errors() -> None:
    sh = Shell()
    assert "CONNMARK target: No operation specified" in sh("iptables -A INPUT -j CONNMARK").err
    # the extension's own check runs before the generic exclusions
    assert "No operation specified" in sh("iptables -A INPUT -j CONNMARK --mask 1 --ctmask 2").err
    assert (
        'option "--set-mark" cannot be used together with "--save-mark"'
        in sh("iptables -A INPUT -j CONNMARK --set-mark 1 --save-mark").err
    )


def test_save_restore_set_on_the_entry() -> None:
    conn = FakeConn.between("10.0.0.1", "10.0.0.2", mark=0xAB00)
    ext, save = parsed_target(
        "-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff", "mangle", "FORWARD"
    )
    skb = Skb(ip_packet(), mark=0x1234, ct=conn)
    assert ext.target(save, skb, Env()) is XtVerdict.CONTINUE
    assert conn.mark == 0xAB34
    _, restore = parsed_target(
        "-j CONNMARK --restore-mark --mask 0xff00 --right-shift-mark 8", "mangle", "FORWARD"
    )
    skb = Skb(ip_packet(), mark=0xFFFF0000, ct=conn)
    ext.target(restore, skb, Env())
    assert skb.mark == (0xFFFF0000 & ~0xFF00) ^ 0xAB
    _, setter = parsed_target(
        "-j CONNMARK --set-xmark 0x1/0xf --left-shift-mark 4", "mangle", "FORWARD"
    )
    ext.target(setter, Skb(ip_packet(), ct=conn), Env())
    assert conn.mark == ((0xAB34 & ~0xF) ^ 1) << 4
    untracked = Skb(ip_packet(), mark=7)
    assert ext.target(restore, untracked, Env()) is XtVerdict.CONTINUE and untracked.mark == 7
