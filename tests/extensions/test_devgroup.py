"""-m devgroup: /etc/iproute2/group names, hooks and devgroup_mt."""

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_names_in_save_numbers_with_n() -> None:
    sh = Shell()
    sh.ok("iptables -A FORWARD -m devgroup ! --src-group 5/0xff --dst-group 0")
    assert sh.rules()[-1] == "-A FORWARD -m devgroup ! --src-group 0x5/0xff --dst-group default"
    assert sh.ok("iptables -nL FORWARD").splitlines()[-1].endswith("! src-group 0x5/0xff dst-group 0x0")
    assert sh.ok("iptables -L FORWARD").splitlines()[-1].endswith("dst-group default")


def test_errors() -> None:
    sh = Shell()
    assert "could not map name lan to an integer value" in sh(
        "iptables -A FORWARD -m devgroup --src-group lan"
    ).err
    assert "You must specify either '--src-group' or '--dst-group'" in sh(
        "iptables -A FORWARD -m devgroup"
    ).err
    assert sh("iptables -A INPUT -m devgroup --dst-group 1").status == 4
    assert sh("iptables -A OUTPUT -m devgroup --dst-group 1").status == 0


def test_devgroup_mt() -> None:
    ext, value = parsed_match("-m devgroup --src-group 4/0xc ! --dst-group 1", chain="FORWARD")
    groups = {"eth0": 5, "eth1": 1, "eth2": 2}
    env = Env(device_group=lambda dev: groups[dev])
    assert ext.matches(value, Skb(ip_packet(), in_iface="eth0", out_iface="eth2"), env)
    assert not ext.matches(value, Skb(ip_packet(), in_iface="eth0", out_iface="eth1"), env)
    assert not ext.matches(value, Skb(ip_packet(), in_iface="eth2", out_iface="eth2"), env)
