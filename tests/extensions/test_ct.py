"""-j CT and -j NOTRACK: options, alias naming, the kernel's helper checks, templates."""

from helpers import Shell, ip_packet, parsed_target
from nflab.netfilter.ctview import CtTemplate
from nflab.netfilter.skb import CtState, Env, Skb, XtVerdict


def test_notrack_alias_saves_as_notrack_lists_as_ct() -> None:
    sh = Shell()
    sh.ok("iptables -t raw -A PREROUTING -j NOTRACK")
    sh.ok("iptables -t raw -A PREROUTING -j CT --notrack")
    assert sh.rules("raw")[-2:] == ["-A PREROUTING -j NOTRACK", "-A PREROUTING -j CT --notrack"]
    rows = sh.ok("iptables -t raw -nL PREROUTING").splitlines()[2:]
    assert rows[0].startswith("CT ") and rows[0].endswith("NOTRACK")
    assert rows[1].startswith("CT ") and rows[1].endswith("CT notrack")
    # the two spellings are different rules
    sh.ok("iptables -t raw -D PREROUTING -j NOTRACK")
    assert sh.rules("raw")[-1] == "-A PREROUTING -j CT --notrack"


def test_option_texts() -> None:
    sh = Shell()
    for rule in (
        "--zone-orig mark --ctevents new,mark,reply",
        "--expevents new --zone-reply 3",
        "--zone MARK --zone-orig 4",
        "--zone-orig 3 --zone-reply 4",
        "--zone 0",
        "--notrack --helper abcdefghijklmnopqrstuvwxyz",
    ):
        sh.ok(f"iptables -t raw -A OUTPUT -j CT {rule}")
    assert [line.split("-j ")[1] for line in sh.rules("raw")[2:]] == [
        "CT --ctevents new,reply,mark --zone-orig mark",
        "CT --expevents new --zone-reply 3",
        "CT --zone-orig mark",
        "CT --zone 4",
        "CT",
        "CT --notrack --helper abcdefghijklmno",
    ]


def test_errors_and_kernel_checks() -> None:
    sh = Shell()
    assert (
        "Cannot parse 65536 as a zone ID" in sh("iptables -t raw -A OUTPUT -j CT --zone 65536").err
    )
    assert (
        'Unknown event type "related"'
        in sh("iptables -t raw -A OUTPUT -j CT --expevents new,related").err
    )
    assert (
        "RULE_APPEND failed (Invalid argument)"
        in sh("iptables -t mangle -A OUTPUT -j CT --notrack").err
    )
    assert "No such file or directory" in sh("iptables -t raw -A OUTPUT -j CT --helper ftp").err
    assert (
        "No such file or directory" in sh("iptables -t raw -A OUTPUT -p udp -j CT --helper ftp").err
    )
    sh.ok("iptables -t raw -A OUTPUT -p tcp -j CT --helper ftp")
    assert "Invalid argument" in sh("iptables-legacy -t raw -A OUTPUT -j CT --timeout x").err
    sh.ok("iptables -t raw -A OUTPUT -j CT --notrack --helper bogus")  # notrack checks nothing


def test_notrack_and_template() -> None:
    ext, value = parsed_target("-j NOTRACK", "raw", "PREROUTING")
    skb = Skb(ip_packet())
    assert ext.target(value, skb, Env()) is XtVerdict.CONTINUE
    assert skb.notrack and skb.ctstate is CtState.UNTRACKED
    _, tmpl = parsed_target(
        "-p tcp -j CT --helper ftp --zone-reply 7 --ctevents new", "raw", "OUTPUT"
    )
    skb = Skb(ip_packet())
    ext.target(tmpl, skb, Env())
    assert skb.ct_template == CtTemplate(
        zone=7, zone_dir="reply", helper="ftp", ct_events=frozenset({"new"})
    )
    # a packet that already has conntrack state is left alone
    ext.target(value, skb, Env())
    assert not skb.notrack
