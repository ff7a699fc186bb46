"""`ip address`: primaries and secondaries, broadcast, labels, scopes, deletion, listings.

Every expected session was captured from the real ``ip`` (iproute2 6.1) in a scratch
network namespace (see ``tests/machines.py`` for how MAC addresses are compared).
"""

from __future__ import annotations

from machines import Lab, check


def test_addresses_and_their_routes() -> None:
    """Secondaries go last, brd + computes the broadcast; routes follow the link state."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip addr add 10.0.0.1/24 dev veth0
$ ip addr add 10.0.0.1/24 dev veth0
Error: ipv4: Address already assigned.
[2]
$ ip addr add 10.0.0.2/24 dev veth0
$ ip addr add 10.0.1.1/16 brd + dev veth0
$ ip addr add 10.9.0.1/24 brd 10.9.0.7 dev veth0
$ ip addr add 10.8.0.1/32 dev veth0
$ ip addr add 10.7.0.1/31 dev veth0
$ ip addr add 10.6.0.1 dev veth0
$ ip a show veth0
3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 9a:6e:8b:8a:30:a9 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.1.1/16 brd 10.0.255.255 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.9.0.1/24 brd 10.9.0.7 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.8.0.1/32 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.7.0.1/31 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.6.0.1/32 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
$ ip route show table local
local 10.0.0.1 dev veth0 proto kernel scope host src 10.0.0.1
local 10.0.0.2 dev veth0 proto kernel scope host src 10.0.0.1
local 10.0.1.1 dev veth0 proto kernel scope host src 10.0.1.1
local 10.6.0.1 dev veth0 proto kernel scope host src 10.6.0.1
local 10.7.0.1 dev veth0 proto kernel scope host src 10.7.0.1
local 10.8.0.1 dev veth0 proto kernel scope host src 10.8.0.1
local 10.9.0.1 dev veth0 proto kernel scope host src 10.9.0.1
$ ip link set veth0 up
$ ip route show table all
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1 linkdown
10.0.0.0/16 dev veth0 proto kernel scope link src 10.0.1.1 linkdown
10.7.0.0/31 dev veth0 proto kernel scope link src 10.7.0.1 linkdown
10.9.0.0/24 dev veth0 proto kernel scope link src 10.9.0.1 linkdown
local 10.0.0.1 dev veth0 table local proto kernel scope host src 10.0.0.1
local 10.0.0.2 dev veth0 table local proto kernel scope host src 10.0.0.1
broadcast 10.0.0.255 dev veth0 table local proto kernel scope link src 10.0.0.1 linkdown
local 10.0.1.1 dev veth0 table local proto kernel scope host src 10.0.1.1
broadcast 10.0.255.255 dev veth0 table local proto kernel scope link src 10.0.1.1 linkdown
local 10.6.0.1 dev veth0 table local proto kernel scope host src 10.6.0.1
local 10.7.0.1 dev veth0 table local proto kernel scope host src 10.7.0.1
local 10.8.0.1 dev veth0 table local proto kernel scope host src 10.8.0.1
local 10.9.0.1 dev veth0 table local proto kernel scope host src 10.9.0.1
broadcast 10.9.0.7 dev veth0 table local proto kernel scope link src 10.9.0.1 linkdown
broadcast 10.9.0.255 dev veth0 table local proto kernel scope link src 10.9.0.1 linkdown
$ ip link set veth1 up
$ ip route show table local
local 10.0.0.1 dev veth0 proto kernel scope host src 10.0.0.1
local 10.0.0.2 dev veth0 proto kernel scope host src 10.0.0.1
broadcast 10.0.0.255 dev veth0 proto kernel scope link src 10.0.0.1
local 10.0.1.1 dev veth0 proto kernel scope host src 10.0.1.1
broadcast 10.0.255.255 dev veth0 proto kernel scope link src 10.0.1.1
local 10.6.0.1 dev veth0 proto kernel scope host src 10.6.0.1
local 10.7.0.1 dev veth0 proto kernel scope host src 10.7.0.1
local 10.8.0.1 dev veth0 proto kernel scope host src 10.8.0.1
local 10.9.0.1 dev veth0 proto kernel scope host src 10.9.0.1
broadcast 10.9.0.7 dev veth0 proto kernel scope link src 10.9.0.1
broadcast 10.9.0.255 dev veth0 proto kernel scope link src 10.9.0.1
$ ip route
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1
10.0.0.0/16 dev veth0 proto kernel scope link src 10.0.1.1
10.7.0.0/31 dev veth0 proto kernel scope link src 10.7.0.1
10.9.0.0/24 dev veth0 proto kernel scope link src 10.9.0.1
""")


def test_deleting_addresses() -> None:
    """A primary takes its secondaries; wildcard deletion warns."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip addr add 10.0.0.1/24 dev veth0
$ ip addr add 10.0.0.2/24 dev veth0
$ ip addr add 10.9.0.1/24 brd 10.9.0.7 dev veth0
$ ip link set veth0 up
$ ip addr del 10.0.0.1/24 dev veth0
$ ip -4 a show veth0
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    inet 10.9.0.1/24 brd 10.9.0.7 scope global veth0
       valid_lft forever preferred_lft forever
$ ip route
10.9.0.0/24 dev veth0 proto kernel scope link src 10.9.0.1 linkdown
$ ip addr del 10.0.0.1/24 dev veth0
Error: ipv4: Address not found.
[2]
$ ip addr del 10.0.0.9 dev veth0
Warning: Executing wildcard deletion to stay compatible with old scripts.
         Explicitly specify the prefix length (10.0.0.9/32) to avoid this warning.
         This special behaviour is likely to disappear in further releases,
         fix your scripts!
Error: ipv4: Address not found.
[2]
$ ip addr del 10.9.0.1 dev veth0
Warning: Executing wildcard deletion to stay compatible with old scripts.
         Explicitly specify the prefix length (10.9.0.1/32) to avoid this warning.
         This special behaviour is likely to disappear in further releases,
         fix your scripts!
$ ip -4 a
""")


def test_address_errors() -> None:
    """iproute2's own checks, then the kernel's."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip addr add 10.0.0.300/24 dev veth0
Error: any valid prefix is expected rather than "10.0.0.300/24".
[1]
$ ip addr add 10.0.0.3/33 dev veth0
Error: any valid prefix is expected rather than "10.0.0.3/33".
[1]
$ ip addr add 10.0.0.3/24 dev nosuch
Cannot find device "nosuch"
[1]
$ ip addr add 10.0.0.3/24
Not enough information: "dev" argument is required.
[1]
$ ip addr add dev veth0
RTNETLINK answers: Operation not supported
[2]
$ ip addr add foo dev veth0
Error: any valid prefix is expected rather than "foo".
[1]
$ ip addr add 10.0.0.1/24 brd foo dev veth0
Error: inet address is expected rather than "foo".
[1]
$ ip addr show nosuch
Device "nosuch" does not exist.
[1]
$ ip addr show dev nosuch
Device "nosuch" does not exist.
[1]
$ ip addr del 10.0.0.1/24
Not enough information: "dev" argument is required.
[1]
$ ip addr foo
Command "foo" is unknown, try "ip address help".
[255]
""")


def test_labels_scopes_peers_flush() -> None:
    """Labels, scopes, a point-to-point peer; flush takes the IPv6 link-local address too."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip link set veth0 up
$ ip link set veth1 up
$ ip addr add 10.0.0.1/24 dev veth0
$ ip addr add 10.0.0.5/24 dev veth0 label veth0:1
$ ip addr add 10.0.0.6/24 dev veth0 label foo
$ ip -4 addr show veth0
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0:1
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary foo
       valid_lft forever preferred_lft forever
$ ip addr show label veth0:1
    inet 10.0.0.5/24 scope global secondary veth0:1
       valid_lft forever preferred_lft forever
$ ip addr flush dev veth0
$ ip a show veth0
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 56:ac:8c:29:11:0e brd ff:ff:ff:ff:ff:ff
$ ip -4 a show veth0
$ ip addr add 10.1.0.1/24 dev veth0 scope link
$ ip addr add 10.2.0.1/24 dev veth0 scope host
$ ip addr add 10.3.0.1/24 peer 10.3.0.2 dev veth0
$ ip addr add 127.0.0.2/8 dev lo
$ ip -4 a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    inet 127.0.0.2/8 scope host lo
       valid_lft forever preferred_lft forever
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    inet 10.2.0.1/24 scope host veth0
       valid_lft forever preferred_lft forever
    inet 10.1.0.1/24 scope link veth0
       valid_lft forever preferred_lft forever
    inet 10.3.0.1 peer 10.3.0.2/32 scope global veth0
       valid_lft forever preferred_lft forever
$ ip route show table all
10.1.0.0/24 dev veth0 proto kernel scope link src 10.1.0.1
10.2.0.0/24 dev veth0 proto kernel scope link src 10.2.0.1
10.3.0.2 dev veth0 proto kernel scope link src 10.3.0.1
local 10.1.0.1 dev veth0 table local proto kernel scope host src 10.1.0.1
broadcast 10.1.0.255 dev veth0 table local proto kernel scope link src 10.1.0.1
local 10.2.0.1 dev veth0 table local proto kernel scope host src 10.2.0.1
broadcast 10.2.0.255 dev veth0 table local proto kernel scope link src 10.2.0.1
local 10.3.0.1 dev veth0 table local proto kernel scope host src 10.3.0.1
local 127.0.0.2 dev lo table local proto kernel scope host src 127.0.0.2
fe80::/64 dev veth1 proto kernel metric 256 pref medium
multicast ff00::/8 dev veth1 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev veth0 table local proto kernel metric 256 pref medium
$ ip -br a
lo               DOWN           127.0.0.2/8
veth1@veth0      UP             fe80::301a:fff:fee7:1b91/64
veth0@veth1      UP             10.2.0.1/24 10.1.0.1/24 10.3.0.1 peer 10.3.0.2/32
$ ip -br l
lo               DOWN           00:00:00:00:00:00 <LOOPBACK>
veth1@veth0      UP             32:1a:0f:e7:1b:91 <BROADCAST,MULTICAST,UP,LOWER_UP>
veth0@veth1      UP             56:ac:8c:29:11:0e <BROADCAST,MULTICAST,UP,LOWER_UP>
""")


EXACT = [
    ("ip -o -4 addr",
     "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
     "3: veth0    inet 10.0.0.1/24 scope global veth0\\       valid_lft forever preferred_lft forever\n"
     "3: veth0    inet 10.0.0.2/24 scope global secondary veth0\\       valid_lft forever preferred_lft forever\n"),
    ("ip -o link show veth0",
     "3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN"
     " mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"),
    ("ip -br link",
     "lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n"
     "veth1@veth0      DOWN           02:00:00:00:00:02 <BROADCAST,MULTICAST> \n"
     "veth0@veth1      LOWERLAYERDOWN 02:00:00:00:00:01 <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> \n"),
    ("ip -br -4 addr",
     "lo               UNKNOWN        127.0.0.1/8 \nveth0@veth1      LOWERLAYERDOWN 10.0.0.1/24 10.0.0.2/24 \n"),
    ("ip route show table local",
     "local 10.0.0.1 dev veth0 proto kernel scope host src 10.0.0.1 \n"
     "local 10.0.0.2 dev veth0 proto kernel scope host src 10.0.0.1 \n"
     "broadcast 10.0.0.255 dev veth0 proto kernel scope link src 10.0.0.1 linkdown \n"
     "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 \n"
     "local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 \n"
     "broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 \n"),
    ("ip addr show lo",
     "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
     "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
     "    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n"
     "    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n"),
]  # fmt: skip


def test_exact_texts_with_trailing_spaces() -> None:
    """Byte for byte (trailing spaces, ``-o`` backslashes), with the MACs set by hand."""
    lab = Lab()
    try:
        for line in (
            "ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1"
            " address 02:00:00:00:00:02",
            "ip link set lo up",
            "ip link set veth0 up",
            "ip addr add 10.0.0.1/24 dev veth0",
            "ip addr add 10.0.0.2/24 dev veth0",
        ):
            assert lab.run(line) == ("", 0), line
        for command, expected in EXACT:
            assert lab.run(command) == (expected, 0), command
    finally:
        lab.close()
