"""-m conntrack: option texts, listing, errors and conntrack_mt evaluation."""

from helpers import FakeConn, Shell, ip_packet, parsed_match
from nflab.netfilter.ctview import CtStatus
from nflab.netfilter.skb import CtState, Env, Skb


def test_save_orders_options_and_states() -> None:
    sh = Shell()
    sh.ok(
        "iptables -A INPUT -m conntrack --ctdir REPLY --ctexpire 10:20 --ctstatus assured,seen_reply"
        " --ctorigdstport 80 --ctstate established,related,new --ctproto tcp"
    )
    assert sh.rules()[-1] == (
        "-A INPUT -m conntrack --ctstate NEW,RELATED,ESTABLISHED --ctproto 6 --ctorigdstport 80"
        " --ctstatus SEEN_REPLY,ASSURED --ctexpire 10:20 --ctdir REPLY"
    )


def test_addresses_keep_host_bits_and_list_by_name() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m conntrack --ctorigsrc 1.2.3.4/24 ! --ctreplsrc 127.0.0.1")
    assert sh.rules()[-1] == "-A INPUT -m conntrack --ctorigsrc 1.2.3.4/24 ! --ctreplsrc 127.0.0.1"
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith(
        "ctorigsrc 1.2.3.4/24 ! ctreplsrc localhost"
    )
    assert sh.ok("iptables -nL INPUT").splitlines()[-1].endswith(
        "ctorigsrc 1.2.3.4/24 ! ctreplsrc 127.0.0.1"
    )


def test_errors() -> None:
    sh = Shell()
    bad = sh("iptables -A INPUT -m conntrack --ctstate NEW,BOGUS,X")
    assert bad.status == 2 and 'Bad ctstate "BOGUS,X"' in bad.err
    assert "At least one option is required" in sh("iptables -A INPUT -m conntrack").err
    assert 'Bad value for "--ctdir" option: "SIDEWAYS"' in sh(
        "iptables -A INPUT -m conntrack --ctdir SIDEWAYS"
    ).err
    # the C code tests the wrong bit: an inverted --ctstatus makes --ctproto 0 an error
    assert "rule would never match protocol" in sh(
        "iptables -A INPUT -m conntrack ! --ctstatus NONE --ctproto 0"
    ).err
    assert sh("iptables -A INPUT -m conntrack --ctproto 0 ! --ctstatus NONE").status == 0


def _skb(state: CtState | None, conn: FakeConn | None = None, reply: bool = False) -> Skb:
    return Skb(ip_packet(), ct=conn, ctstate=state, ct_reply=reply)


def test_state_bits_and_nat() -> None:
    ext, new = parsed_match("-m conntrack --ctstate NEW")
    conn = FakeConn.between("10.0.0.1", "10.0.0.2")
    assert ext.matches(new, _skb(CtState.NEW, conn), Env())
    assert not ext.matches(new, _skb(CtState.ESTABLISHED, conn), Env())
    ext, invalid = parsed_match("-m conntrack --ctstate INVALID")
    assert ext.matches(invalid, _skb(None), Env())
    ext, untracked = parsed_match("-m conntrack ! --ctstate UNTRACKED")
    assert not ext.matches(untracked, _skb(CtState.UNTRACKED), Env())
    ext, dnat = parsed_match("-m conntrack --ctstate DNAT")
    natted = FakeConn.between("10.0.0.1", "10.0.0.2", status=CtStatus.DST_NAT)
    assert ext.matches(dnat, _skb(CtState.ESTABLISHED, natted), Env())
    assert not ext.matches(dnat, _skb(CtState.ESTABLISHED, conn), Env())


def test_without_entry_only_state_tests_match() -> None:
    ext, value = parsed_match("-m conntrack ! --ctproto udp")
    assert not ext.matches(value, _skb(None), Env())


def test_tuples_direction_status_expiry() -> None:
    conn = FakeConn.between("10.0.0.1", "10.0.0.2", 1000, 80, status=CtStatus.ASSURED, expires=50)
    ext, value = parsed_match(
        "-m conntrack --ctorigsrc 10.0.0.0/8 --ctrepldst 10.0.0.1 --ctorigdstport 80"
        " --ctreplsrcport 79:81 --ctproto tcp --ctstatus ASSURED --ctexpire 30:40 --ctdir ORIGINAL"
    )
    assert ext.matches(value, _skb(CtState.ESTABLISHED, conn), Env(now=15))
    assert not ext.matches(value, _skb(CtState.ESTABLISHED, conn), Env(now=0))  # 50 s left
    assert not ext.matches(value, _skb(CtState.ESTABLISHED, conn, reply=True), Env(now=15))
    ext, other = parsed_match("-m conntrack --ctorigsrc 10.0.0.2")
    assert not ext.matches(other, _skb(CtState.ESTABLISHED, conn), Env())
