"""`ip route`: adding, showing (with the selectors' fields left out), deleting, errors.

Every expected session was captured from the real ``ip`` (iproute2 6.1) in a scratch
network namespace (see ``tests/machines.py`` for how MAC addresses are compared).
"""

from __future__ import annotations

from machines import check


def test_routes_show_and_delete() -> None:
    """Defaults with metrics, gateways, other tables; the down link takes them."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip link set veth0 up
$ ip link set veth1 up
$ ip addr add 10.0.0.1/24 dev veth0
$ ip route add default via 10.0.0.254
$ ip route add default via 10.0.0.253
RTNETLINK answers: File exists
[2]
$ ip route add default via 10.0.0.253 metric 100
$ ip route add 10.1.0.0/16 via 10.0.0.2 dev veth0 src 10.0.0.1 metric 5
$ ip route add 10.2.0.0/16 dev veth0
$ ip route add 10.3.0.0/16 via 10.9.0.1
Error: Nexthop has invalid gateway.
[2]
$ ip route add 10.3.0.0/16 via 10.0.0.1
$ ip route add 10.3.0.1/16 via 10.0.0.2
Error: Invalid prefix for given prefix length.
[2]
$ ip route add 10.4.0.0/16 dev nosuch
Cannot find device "nosuch"
[1]
$ ip route add 10.5.0.0/16 via 10.0.0.2 dev veth1
Error: Nexthop has invalid gateway.
[2]
$ ip route add 10.6.0.0/16 via 10.0.0.2 table 100
$ ip route add 10.0.0.0/8 via 10.0.0.2
$ ip route add 10.0.0.0/32 via 10.0.0.2
$ ip route
default via 10.0.0.254 dev veth0
default via 10.0.0.253 dev veth0 metric 100
10.0.0.0 via 10.0.0.2 dev veth0
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1
10.0.0.0/8 via 10.0.0.2 dev veth0
10.1.0.0/16 via 10.0.0.2 dev veth0 src 10.0.0.1 metric 5
10.2.0.0/16 dev veth0 scope link
10.3.0.0/16 via 10.0.0.1 dev veth0
$ ip r show table 100
10.6.0.0/16 via 10.0.0.2 dev veth0
$ ip route show dev veth0
default via 10.0.0.254
default via 10.0.0.253 metric 100
10.0.0.0 via 10.0.0.2
10.0.0.0/24 proto kernel scope link src 10.0.0.1
10.0.0.0/8 via 10.0.0.2
10.1.0.0/16 via 10.0.0.2 src 10.0.0.1 metric 5
10.2.0.0/16 scope link
10.3.0.0/16 via 10.0.0.1
$ ip route show table all
10.6.0.0/16 via 10.0.0.2 dev veth0 table 100
default via 10.0.0.254 dev veth0
default via 10.0.0.253 dev veth0 metric 100
10.0.0.0 via 10.0.0.2 dev veth0
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1
10.0.0.0/8 via 10.0.0.2 dev veth0
10.1.0.0/16 via 10.0.0.2 dev veth0 src 10.0.0.1 metric 5
10.2.0.0/16 dev veth0 scope link
10.3.0.0/16 via 10.0.0.1 dev veth0
local 10.0.0.1 dev veth0 table local proto kernel scope host src 10.0.0.1
broadcast 10.0.0.255 dev veth0 table local proto kernel scope link src 10.0.0.1
fe80::/64 dev veth1 proto kernel metric 256 pref medium
fe80::/64 dev veth0 proto kernel metric 256 pref medium
multicast ff00::/8 dev veth1 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev veth0 table local proto kernel metric 256 pref medium
$ ip route del 10.7.0.0/16
RTNETLINK answers: No such process
[2]
$ ip route del default
$ ip route
default via 10.0.0.253 dev veth0 metric 100
10.0.0.0 via 10.0.0.2 dev veth0
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1
10.0.0.0/8 via 10.0.0.2 dev veth0
10.1.0.0/16 via 10.0.0.2 dev veth0 src 10.0.0.1 metric 5
10.2.0.0/16 dev veth0 scope link
10.3.0.0/16 via 10.0.0.1 dev veth0
$ ip route del 10.1.0.0/16 via 10.0.0.3
RTNETLINK answers: No such process
[2]
$ ip route del 10.1.0.0/16 via 10.0.0.2
$ ip route del 10.2.0.0/16 dev veth1
RTNETLINK answers: No such process
[2]
$ ip link set veth0 down
$ ip route
$ ip route show table 100
$ ip link set veth0 up
$ ip route
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1
""")


def test_route_kinds_filters_and_errors() -> None:
    """Types, protocols, scopes, selectors, route get, errors."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip addr add 10.0.0.1/24 dev veth0
$ ip route add 10.1.0.0/24 dev veth0
Error: Device for nexthop is not up.
[2]
$ ip route add 10.1.0.0/24 via 10.0.0.2
Error: Nexthop has invalid gateway.
[2]
$ ip link set veth0 up
$ ip route add 10.1.0.0/24
RTNETLINK answers: No such device
[2]
$ ip route add 10.1.0.0/24 via 10.0.0.2 dev veth1
Error: Nexthop has invalid gateway.
[2]
$ ip route add 10.1.0.0/24 via 10.0.0.2 dev veth0
$ ip route add 10.2.0.0/24 via 10.1.0.5
Error: Nexthop has invalid gateway.
[2]
$ ip route add 10.3.0.0/24 via 127.0.0.1
Error: Nexthop has invalid gateway.
[2]
$ ip route add blackhole 10.4.0.0/24
$ ip route add unreachable 10.5.0.0/24
$ ip route add prohibit 10.6.0.0/24
$ ip route add local 10.7.0.1 dev veth0
$ ip route add 10.8.0.0/24 dev veth0 proto static metric 10
$ ip route add 10.9.0.0/24 dev veth0 src 10.0.0.99
Error: Invalid prefsrc address.
[2]
$ ip route add 10.9.0.0/24 dev veth0 src 10.0.0.1 scope global
$ ip route replace 10.8.0.0/24 dev veth0 proto static metric 10 src 10.0.0.1
$ ip route
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1 linkdown
10.1.0.0/24 via 10.0.0.2 dev veth0 linkdown
blackhole 10.4.0.0/24
unreachable 10.5.0.0/24
prohibit 10.6.0.0/24
10.8.0.0/24 dev veth0 proto static scope link src 10.0.0.1 metric 10 linkdown
10.9.0.0/24 dev veth0 src 10.0.0.1 linkdown
$ ip route show table local
local 10.0.0.1 dev veth0 proto kernel scope host src 10.0.0.1
broadcast 10.0.0.255 dev veth0 proto kernel scope link src 10.0.0.1 linkdown
local 10.7.0.1 dev veth0 scope host
$ ip route add default via 10.0.0.2 onlink
Error: Nexthop device required for onlink.
[2]
$ ip route add 10.10.0.0/24 via 10.99.0.2 dev veth0 onlink
$ ip route show 10.10.0.0/24
10.10.0.0/24 via 10.99.0.2 dev veth0 onlink linkdown
$ ip route show default
$ ip route show proto kernel
10.0.0.0/24 dev veth0 scope link src 10.0.0.1 linkdown
$ ip route show scope link
10.0.0.0/24 dev veth0 proto kernel src 10.0.0.1 linkdown
10.8.0.0/24 dev veth0 proto static src 10.0.0.1 metric 10 linkdown
$ ip route show type blackhole
blackhole 10.4.0.0/24
$ ip route show table main dev veth0
10.0.0.0/24 proto kernel scope link src 10.0.0.1 linkdown
10.1.0.0/24 via 10.0.0.2 linkdown
10.8.0.0/24 proto static scope link src 10.0.0.1 metric 10 linkdown
10.9.0.0/24 src 10.0.0.1 linkdown
10.10.0.0/24 via 10.99.0.2 onlink linkdown
$ ip route list root 10.0.0.0/8
10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1 linkdown
10.1.0.0/24 via 10.0.0.2 dev veth0 linkdown
blackhole 10.4.0.0/24
unreachable 10.5.0.0/24
prohibit 10.6.0.0/24
10.8.0.0/24 dev veth0 proto static scope link src 10.0.0.1 metric 10 linkdown
10.9.0.0/24 dev veth0 src 10.0.0.1 linkdown
10.10.0.0/24 via 10.99.0.2 dev veth0 onlink linkdown
$ ip route list match 10.10.0.5
10.10.0.0/24 via 10.99.0.2 dev veth0 onlink linkdown
$ ip route del blackhole 10.4.0.0/24
$ ip route del 10.5.0.0/24
$ ip route del 10.8.0.0/24 metric 11
RTNETLINK answers: No such process
[2]
$ ip route flush dev veth0
$ ip route
prohibit 10.6.0.0/24
$ ip route add 300.0.0.0/8 dev veth0
Error: any valid prefix is expected rather than "300.0.0.0/8".
[1]
$ ip route add 10.0.0.0/8 via foo
Error: inet address is expected rather than "foo".
[1]
$ ip route add 10.0.0.0/8 foo
Error: either "to" is duplicate, or "foo" is a garbage.
[255]
$ ip route show table foo
Error: argument "foo" is wrong: table id value is invalid

[255]
$ ip route add 10.0.0.0/8 dev veth0 table 300
$ ip route show table 300
10.0.0.0/8 dev veth0 scope link linkdown
$ ip route show table all type unicast
10.0.0.0/8 dev veth0 table 300 scope link linkdown
$ ip route get 10.0.0.2
RTNETLINK answers: Network is unreachable
[2]
$ ip route get 10.0.0.1
local 10.0.0.1 dev lo src 10.0.0.1 uid 0
    cache <local>
$ ip route get 8.8.8.8
RTNETLINK answers: Network is unreachable
[2]
$ ip route flush
"ip route flush" requires arguments.
[1]
$ ip route show dev nosuch
Cannot find device "nosuch"
[1]
$ ip r s
prohibit 10.6.0.0/24
$ ip ro li t l
Error: argument "l" is wrong: table id value is invalid

[255]
""")


def test_tables_that_do_not_exist() -> None:
    """A table exists once a route went into it."""
    check(r"""
$ ip route
$ ip route show table local
Error: ipv4: FIB table does not exist.
Dump terminated
[2]
$ ip route show table 100
Error: ipv4: FIB table does not exist.
Dump terminated
[2]
$ ip route show table all
$ ip link set lo up
$ ip route show table local
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1
""")


def test_route_get_answers() -> None:
    """What route get says for each kind of route."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip link set veth0 up
$ ip link set veth1 up
$ ip link set lo up
$ ip addr add 10.0.0.1/24 dev veth0
$ ip route add default via 10.0.0.254
$ ip route add blackhole 10.9.0.0/16
$ ip route add unreachable 10.8.0.0/16
$ ip route add prohibit 10.7.0.0/16
$ ip route get 10.9.1.1
RTNETLINK answers: Invalid argument
[2]
$ ip route get 10.8.1.1
RTNETLINK answers: No route to host
[2]
$ ip route get 10.7.1.1
RTNETLINK answers: Permission denied
[2]
$ ip route get 10.0.0.9
10.0.0.9 dev veth0 src 10.0.0.1 uid 0
    cache
$ ip route get 8.8.8.8
8.8.8.8 via 10.0.0.254 dev veth0 src 10.0.0.1 uid 0
    cache
$ ip route get 127.0.0.5
local 127.0.0.5 dev lo src 127.0.0.1 uid 0
    cache <local>
$ ip route get 10.0.0.1
local 10.0.0.1 dev lo src 10.0.0.1 uid 0
    cache <local>
""")
