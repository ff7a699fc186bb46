"""The generic rule part (iptables.t): protocol spelling, interfaces, address names."""

from ipaddress import IPv4Address

import pytest

from helpers import Shell
from nflab.iptables.names import Names


@pytest.mark.parametrize("spelling", ["-ptcp", "--protocol=tcp"])
def test_protocol_is_read_from_the_previous_word(spelling: str) -> None:
    # 1.8.9 takes argv[optind - 1] as the protocol, so only "-p tcp" works
    result = Shell()(f"iptables -A INPUT {spelling}")
    assert result.status == 2
    assert result.err.splitlines()[0] == f'iptables v1.8.9 (nf_tables): unknown protocol "{spelling}" specified'


def test_protocol_names_and_numbers() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p TCP --dport 1")
    sh.ok("iptables -A INPUT -p 47")
    sh.ok("iptables -A INPUT -p 200")
    assert sh.rules()[-3:] == ["-A INPUT -p tcp -m tcp --dport 1", "-A INPUT -p gre", "-A INPUT -p 200"]
    assert "rule would never match protocol" in sh("iptables -A INPUT ! -p 0").err


def test_interfaces() -> None:
    sh = Shell()
    sh.ok("iptables -A FORWARD -i alongifacename0 ! -o eth+")
    assert sh.rules()[-1] == "-A FORWARD -i alongifacename0 ! -o eth+"
    too_long = sh("iptables -A FORWARD -i thisinterfaceistoolong0")
    assert "must be shorter than IFNAMSIZ (15)" in too_long.err
    assert "Can't use -o with INPUT" in sh("iptables -A INPUT -o eth0").err


def test_listing_uses_host_then_network_names() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -s 0.0.0.0/8 -d 127.0.0.1")
    sh.ok("iptables -A INPUT -s 169.254.0.0/16 -d 127.0.0.0")
    lines = sh.ok("iptables -L INPUT").splitlines()[2:]
    assert lines[0].split()[2:4] == ["default/8", "localhost"]
    assert lines[1].split()[2:4] == ["link-local/16", "loopback"]
    names = Names(networks_text="lab 10.1.0.0\nshort 10.2\n")
    assert names.network_name(IPv4Address("10.1.0.0")) == "lab"
    assert names.network_name(IPv4Address("10.2.0.0")) is None  # "10.2" is 0x0a02
