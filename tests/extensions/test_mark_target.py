"""-j MARK: every form saved as --set-xmark, -L words, the kernel's xmark formula."""

from helpers import Shell, ip_packet, parsed_target
from nflab.extensions.mark_target import XMark, apply_xmark, xmark_words
from nflab.netfilter.skb import Env, Skb, XtVerdict


def test_forms_save_as_xmark_and_list_by_word() -> None:
    sh = Shell()
    for rule in (
        "--set-mark 5",
        "--set-mark 5/0xf0",
        "--and-mark 0xff",
        "--or-mark 4",
        "--xor-mark 4",
        "--set-xmark 3/7",
    ):
        sh.ok(f"iptables -t mangle -A PREROUTING -j MARK {rule}")
    assert [line.split("-j MARK ")[1] for line in sh.rules("mangle")[5:]] == [
        "--set-xmark 0x5/0xffffffff",
        "--set-xmark 0x5/0xf5",
        "--set-xmark 0x0/0xffffff00",
        "--set-xmark 0x4/0x4",
        "--set-xmark 0x4/0x0",
        "--set-xmark 0x3/0x7",
    ]
    listing = sh.ok("iptables -t mangle -L PREROUTING -n").splitlines()[2:]
    assert [line.split("0.0.0.0/0")[-1].strip() for line in listing] == [
        "MARK set 0x5",
        "MARK xset 0x5/0xf5",
        "MARK and 0xff",
        "MARK or 0x4",
        "MARK xor 0x4",
        "MARK xset 0x3/0x7",
    ]
    sh.ok("iptables -t mangle -D PREROUTING -j MARK --or-mark 4")


def test_errors() -> None:
    sh = Shell()
    assert (
        "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required"
        in sh("iptables -A INPUT -j MARK").err
    )
    assert (
        'MARK: bad integer value for option "--set-xmark", or out of range.'
        in sh("iptables -A INPUT -j MARK --set-xmark 4294967296").err
    )
    err = sh("iptables -A INPUT -j MARK --set-mark 1 --and-mark 2").err
    assert 'MARK: option "--set-mark" cannot be used together with "--and-mark".' in err


def test_xmark_formula() -> None:
    assert apply_xmark(0xFF, XMark(0x5, 0xF0)) == 0x0F ^ 0x05  # clear 0xf0, then xor 5
    assert xmark_words(XMark(0, 0xFFFFFFFE)) == "and 0x1"
    ext, value = parsed_target("-j MARK --or-mark 0x100")
    skb = Skb(ip_packet(), mark=0x1)
    assert ext.target(value, skb, Env()) is XtVerdict.CONTINUE
    assert skb.mark == 0x101
