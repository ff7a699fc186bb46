"""-m owner: names from /etc/passwd and /etc/group, ranges, and owner_mt."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_names_become_numbers_and_back() -> None:
    sh = Shell()
    sh.ok("iptables -A OUTPUT -m owner ! --uid-owner nobody --gid-owner adm --suppl-groups --socket-exists")
    assert sh.rules()[-1] == (
        "-A OUTPUT -m owner --socket-exists ! --uid-owner 65534 --gid-owner 4 --suppl-groups"
    )
    assert sh.ok("iptables -L OUTPUT").splitlines()[-1].endswith(
        "owner socket exists ! owner UID match nobody owner GID match adm incl. suppl. groups"
    )
    sh.ok("iptables -A OUTPUT -m owner --uid-owner 5:7")
    assert sh.rules()[-1] == "-A OUTPUT -m owner --uid-owner 5-7"


def test_errors() -> None:
    sh = Shell()
    assert 'owner: Bad value for "--uid-owner" option: "4294967295"' in sh(
        "iptables -A OUTPUT -m owner --uid-owner 4294967295"
    ).err
    assert "you need to use --gid-owner first" in sh(
        "iptables -A OUTPUT -m owner --suppl-groups --gid-owner 1"
    ).err
    assert "At least one of --uid-owner" in sh("iptables -A OUTPUT -m owner").err
    assert sh("iptables -A INPUT -m owner --uid-owner 0").status == 4


def test_owner_mt() -> None:
    ext, value = parsed_match("-m owner --uid-owner 1000-1010 --gid-owner 50 --suppl-groups", chain="OUTPUT")
    skb = Skb(ip_packet(), sock_uid=1005, sock_gid=1005, sock_groups=(27, 50))
    assert ext.matches(value, skb, Env())
    skb.sock_groups = (27,)
    assert not ext.matches(value, skb, Env())
    assert not ext.matches(value, Skb(ip_packet()), Env())  # no socket
    _, no_socket = parsed_match("-m owner ! --socket-exists", chain="OUTPUT")
    assert ext.matches(no_socket, Skb(ip_packet()), Env())
    assert not ext.matches(no_socket, Skb(ip_packet(), sock_uid=0, sock_gid=0), Env())
