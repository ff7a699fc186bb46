"""`ip link`: flags, states, veth and bridge naming, errors, against iproute2 6.1 on this kernel.

Every expected session was captured from the real ``ip`` in a scratch network
namespace (see ``tests/machines.py`` for how MAC addresses are compared).
"""

from __future__ import annotations

from machines import check


def test_fresh_namespace_and_lo() -> None:
    """lo: down without addresses, 127.0.0.1 when it first goes up; its routes."""
    check(r"""
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip -4 a
$ ip route
$ ip link set lo up
$ ip a
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host
       valid_lft forever preferred_lft forever
$ ip -4 a
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
$ ip route show table local
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1
$ ip link set lo down
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noqueue state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
$ ip route show table local
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
$ ip link set lo up
$ ip route show table local
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1
""")


def test_veth_carrier_and_states() -> None:
    """A veth end has carrier when both ends are up; M-DOWN while the peer is down."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: veth1@veth0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether ea:3f:5d:da:12:4c brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 76:b9:8c:04:e4:35 brd ff:ff:ff:ff:ff:ff
$ ip link set veth0 up
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether ea:3f:5d:da:12:4c brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 76:b9:8c:04:e4:35 brd ff:ff:ff:ff:ff:ff
$ ip l
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether ea:3f:5d:da:12:4c brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000
    link/ether 76:b9:8c:04:e4:35 brd ff:ff:ff:ff:ff:ff
$ ip link set veth1 up
$ ip a show dev veth0
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 76:b9:8c:04:e4:35 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::74b9:8cff:fe04:e435/64 scope link tentative
       valid_lft forever preferred_lft forever
$ ip link set veth0 down
$ ip link show veth1
2: veth1@veth0: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000
    link/ether ea:3f:5d:da:12:4c brd ff:ff:ff:ff:ff:ff
$ ip link set veth1 down
$ ip link set veth0 up
$ ip link show veth0
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000
    link/ether 76:b9:8c:04:e4:35 brd ff:ff:ff:ff:ff:ff
""")


def test_bridge_address_and_carrier() -> None:
    """A bridge takes its lowest port's MAC (zero without ports) and has carrier through its ports."""
    check(r"""
$ ip link add br0 type bridge
$ ip link add veth0 type veth peer name veth1
$ ip link set veth0 master br0
$ ip link set veth1 master br0
$ ip link show
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 6e:2d:47:43:6a:48 brd ff:ff:ff:ff:ff:ff
3: veth1@veth0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop master br0 state DOWN mode DEFAULT group default qlen 1000
    link/ether 6e:2d:47:43:6a:48 brd ff:ff:ff:ff:ff:ff
4: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop master br0 state DOWN mode DEFAULT group default qlen 1000
    link/ether fa:c3:d3:c4:09:a8 brd ff:ff:ff:ff:ff:ff
$ ip link set veth0 nomaster
$ ip link set veth1 nomaster
$ ip link show br0
2: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff
$ ip link set br0 up
$ ip link show br0
2: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000
    link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff
$ ip link set veth0 master br0
$ ip link set veth0 up
$ ip link set veth1 up
$ ip link show br0
2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether fa:c3:d3:c4:09:a8 brd ff:ff:ff:ff:ff:ff
$ ip link set veth0 nomaster
$ ip link show br0
2: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000
    link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff
$ ip link set veth0 master br0
$ ip link del veth0
$ ip link show br0
2: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000
    link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff
""")


def test_new_bridge_is_unknown() -> None:
    """A new bridge without ports comes up with carrier, operationally UNKNOWN."""
    check(r"""
$ ip link add br0 type bridge
$ ip link set br0 up
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000
    link/ether ba:e4:6c:07:37:fd brd ff:ff:ff:ff:ff:ff
    inet6 fe80::b8e4:6cff:fe07:37fd/64 scope link tentative
       valid_lft forever preferred_lft forever
$ ip link add type bridge
$ ip link show bridge0
3: bridge0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether ce:e5:f8:37:fe:92 brd ff:ff:ff:ff:ff:ff
""")


def test_link_errors() -> None:
    """What ip and the kernel say about wrong link commands."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip link add veth0 type veth peer name veth2
RTNETLINK answers: File exists
[2]
$ ip link add veth3 type veth peer name veth0
RTNETLINK answers: File exists
[2]
$ ip link add br0 type bridge
$ ip link add br0 type bridge
RTNETLINK answers: File exists
[2]
$ ip link add averyveryverylongname type bridge
Error: Attribute failed policy validation.
[2]
$ ip link add x type nosuchkind
Error: Unknown device type.
[2]
$ ip link add br1
Not enough information: "type" argument is required
[1]
$ ip link set veth9 up
Cannot find device "veth9"
[1]
$ ip link show veth9
Device "veth9" does not exist.
[1]
$ ip link set veth0 name veth1
RTNETLINK answers: File exists
[2]
$ ip link set veth0 master nosuch
Error: argument "nosuch" is wrong: Device does not exist

[255]
$ ip link set veth0 master veth1
RTNETLINK answers: Operation not supported
[2]
$ ip link set br0 master br0
Error: Can not enslave a bridge to a bridge.
[2]
$ ip link set lo netns nosuch
Error: argument "nosuch" is wrong: Invalid "netns" value

[255]
$ ip link del lo
RTNETLINK answers: Operation not supported
[2]
$ ip link set veth0 foo
Error: either "dev" is duplicate, or "foo" is a garbage.
[255]
$ ip link set dev
Command line is not complete. Try option "help"
[255]
$ ip link set
Not enough information: "dev" argument is required.
[255]
$ ip link foo
Command "foo" is unknown, try "ip link help".
[255]
$ ip foo
Object "foo" is unknown, try "ip help".
[1]
$ ip -foo link
Option "-foo" is unknown, try "ip -help".
[255]
$ ip link set dev veth0 mtu 1400
$ ip link show dev veth0
3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1400 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 0e:88:9e:48:57:c3 brd ff:ff:ff:ff:ff:ff
$ ip link show veth0 up
$ ip link show up
$ ip link set veth0 address 02:00:00:00:00:09
$ ip l show veth0
3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1400 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 02:00:00:00:00:09 brd ff:ff:ff:ff:ff:ff
""")


def test_rename_keeps_routes_and_labels() -> None:
    """Renaming a link keeps its routes; address labels follow (second and later get :N)."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip link set veth0 up
$ ip addr add 10.0.0.1/24 dev veth0
$ ip addr add 10.1.0.1/24 dev veth0
$ ip addr add 10.0.0.5/24 dev veth0 label veth0:5
$ ip link set veth0 name eth9
$ ip -4 a show eth9
3: eth9@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    inet 10.0.0.1/24 scope global eth9
       valid_lft forever preferred_lft forever
    inet 10.1.0.1/24 scope global eth9:2
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary eth9:5
       valid_lft forever preferred_lft forever
$ ip route
10.0.0.0/24 dev eth9 proto kernel scope link src 10.0.0.1 linkdown
10.1.0.0/24 dev eth9 proto kernel scope link src 10.1.0.1 linkdown
$ ip link set eth9 name veth0
$ ip -4 a show veth0
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.1.0.1/24 scope global veth0:2
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0:5
       valid_lft forever preferred_lft forever
""")


def test_type_filters_and_ipv6_views() -> None:
    """ip link show type X, ip -6 addr and routes."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ ip link add br0 type bridge
$ ip link set veth1 master br0
$ ip link set veth0 up
$ ip link set veth1 up
$ ip link set lo up
$ ip link show type bridge
4: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 06:d1:e0:c6:a8:16 brd ff:ff:ff:ff:ff:ff
$ ip link show type veth
2: veth1@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000
    link/ether 06:d1:e0:c6:a8:16 brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 9e:e9:5a:ec:d0:b8 brd ff:ff:ff:ff:ff:ff
$ ip link show type bridge_slave
2: veth1@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000
    link/ether 06:d1:e0:c6:a8:16 brd ff:ff:ff:ff:ff:ff
$ ip -6 addr
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000
    inet6 ::1/128 scope host
       valid_lft forever preferred_lft forever
2: veth1@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000
    inet6 fe80::4d1:e0ff:fec6:a816/64 scope link tentative
       valid_lft forever preferred_lft forever
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000
    inet6 fe80::9ce9:5aff:feec:d0b8/64 scope link tentative
       valid_lft forever preferred_lft forever
$ ip -6 route
fe80::/64 dev veth1 proto kernel metric 256 pref medium
fe80::/64 dev veth0 proto kernel metric 256 pref medium
$ ip -6 route show table local
local ::1 dev lo proto kernel metric 0 pref medium
multicast ff00::/8 dev veth1 proto kernel metric 256 pref medium
multicast ff00::/8 dev veth0 proto kernel metric 256 pref medium
$ ip -4 route show table all
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1
$ ip addr show up
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host
       valid_lft forever preferred_lft forever
2: veth1@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP group default qlen 1000
    link/ether 06:d1:e0:c6:a8:16 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::4d1:e0ff:fec6:a816/64 scope link tentative
       valid_lft forever preferred_lft forever
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 9e:e9:5a:ec:d0:b8 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::9ce9:5aff:feec:d0b8/64 scope link tentative
       valid_lft forever preferred_lft forever
$ ip link show up
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: veth1@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000
    link/ether 06:d1:e0:c6:a8:16 brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 9e:e9:5a:ec:d0:b8 brd ff:ff:ff:ff:ff:ff
""")


def test_options_and_abbreviations() -> None:
    """Global options and the prefixes iproute2 accepts for objects and commands."""
    check(r"""
$ ip -V
ip utility, iproute2-6.1.0, libbpf 1.1.2
$ ip -Version
ip utility, iproute2-6.1.0, libbpf 1.1.2
$ ip
Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
[255]
$ ip -x link
Option "-x" is unknown, try "ip -help".
[255]
$ ip -family foo link
Error: argument "foo" is wrong: invalid protocol family
[255]
$ ip -f inet addr
$ ip -f link addr
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip ad
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip addr sh
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip l s
Not enough information: "dev" argument is required.
[255]
$ ip r
$ ip ro l
$ ip n
$ ip neighbour show
$ ip net
$ ip netns
$ ip help
Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
[255]
$ ip -4 link
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip -0 addr
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
""")
