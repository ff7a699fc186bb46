"""-m realm: values, masks and names from rt_realms, evaluation on the route's realm."""

from helpers import Shell, ip_packet, parsed_match
from nflab.iptables.names import Names, parse_lmap
from nflab.netfilter.skb import Env, Skb
from nflab.programs.base import SimpleHost


def test_texts_use_the_realm_names() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -m realm --realm 0")
    sh.ok("iptables -A INPUT -m realm ! --realm 0x0/0xff")
    sh.ok("iptables -A INPUT -m realm --realm 5")
    assert sh.rules()[-3:] == [
        "-A INPUT -m realm --realm cosmos",
        "-A INPUT -m realm ! --realm 0x0/0xff",
        "-A INPUT -m realm --realm 0x5",
    ]
    assert sh.ok("iptables -L INPUT").splitlines()[2].endswith("realm cosmos")
    assert sh.ok("iptables -nL INPUT").splitlines()[2].endswith("realm 0x0")
    assert sh.ok("iptables -nL INPUT").splitlines()[3].endswith(" ! realm 0x0/0xff")
    assert "realm: could not map name foo to an integer value" in sh(
        "iptables -A INPUT -m realm --realm foo"
    ).err
    assert sh("iptables -t mangle -A PREROUTING -m realm --realm 5").status == 4


def test_machine_realms_file() -> None:
    assert parse_lmap("# c\n0x10 ten\n300 big\n7\tseven # x\nbad line\n") == ((16, "ten"), (7, "seven"))
    from helpers import Shell as _Shell

    sh = _Shell(SimpleHost(names=Names(rt_realms_text="7 lab\n")))
    sh.ok("iptables -A INPUT -m realm --realm lab")
    assert sh.rules()[-1] == "-A INPUT -m realm --realm lab"


def test_matches() -> None:
    ext, value = parsed_match("-m realm --realm 0x4/0xc")
    assert ext.matches(value, Skb(ip_packet(), realm=0x5), Env())
    assert not ext.matches(value, Skb(ip_packet(), realm=0x8), Env())
