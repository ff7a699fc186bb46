"""`ip netns` and links across namespaces: ``@ifN``, ``link-netns``, ids, exec, deletion.

Every expected session was captured from the real ``ip`` (iproute2 6.1) in a scratch
network namespace with its own ``/run`` (see ``tests/machines.py`` for how MAC
addresses are compared).
"""

from __future__ import annotations

from machines import check


def test_moving_a_veth_end() -> None:
    """A veth end moved to a namespace: peer shown by index, namespace by name or id."""
    check(r"""
$ ip link add br0 type bridge
$ ip link set br0 up
$ ip link add veth0 type veth peer name veth0peer
$ ip link set veth0peer master br0
$ ip link set veth0peer up
$ ip link show br0
2: br0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000
    link/ether 5e:3e:2e:a0:f6:89 brd ff:ff:ff:ff:ff:ff
$ ip link set veth0 up
$ ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 5e:3e:2e:a0:f6:89 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::7027:46ff:feb2:691b/64 scope link tentative
       valid_lft forever preferred_lft forever
3: veth0peer@veth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP group default qlen 1000
    link/ether 5e:3e:2e:a0:f6:89 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::5c3e:2eff:fea0:f689/64 scope link tentative
       valid_lft forever preferred_lft forever
4: veth0@veth0peer: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 42:fa:ec:23:3d:11 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::40fa:ecff:fe23:3d11/64 scope link tentative
       valid_lft forever preferred_lft forever
$ ip netns add ns0
$ ip netns add ns1
$ ip netns add ns2
$ ip netns list
ns2
ns1
ns0
$ ip link set veth0 netns ns0
$ ip netns list
ns2
ns1
ns0 (id: 0)
$ ip a show veth0peer
3: veth0peer@if4: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue master br0 state DOWN group default qlen 1000
    link/ether 5e:3e:2e:a0:f6:89 brd ff:ff:ff:ff:ff:ff link-netns ns0
    inet6 fe80::5c3e:2eff:fea0:f689/64 scope link tentative
       valid_lft forever preferred_lft forever
$ ip netns exec ns0 ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
4: veth0@if3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 42:fa:ec:23:3d:11 brd ff:ff:ff:ff:ff:ff link-netnsid 0
$ ip netns exec ns0 ip link set veth0 up
$ ip link show veth0peer
3: veth0peer@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000
    link/ether 5e:3e:2e:a0:f6:89 brd ff:ff:ff:ff:ff:ff link-netns ns0
$ ip netns exec ns0 ip link show
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
4: veth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 42:fa:ec:23:3d:11 brd ff:ff:ff:ff:ff:ff link-netnsid 0
$ ip link del veth0peer
$ ip netns exec ns0 ip a
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
""")


def test_netns_commands() -> None:
    """add, list, exec, identify, delete and their errors."""
    check(r"""
$ ip netns add ns0
$ ip netns add ns1
$ ip netns del ns0
$ ip netns del ns0
Cannot remove namespace file "/run/netns/ns0": No such file or directory
[1]
$ ip netns list
ns1
$ ip netns exec ns0 true
Cannot open network namespace "ns0": No such file or directory
[255]
$ ip netns exec ns1 nosuchcmd
exec of "nosuchcmd" failed: No such file or directory
[1]
$ ip netns exec ns1 sh -c false
[1]
$ ip netns add ns1
Cannot create namespace file "/run/netns/ns1": File exists
[1]
$ ip netns add a/b
Invalid netns name "a/b"
[255]
$ ip netns exec
No netns name specified
[1]
$ ip netns exec ns1
No command specified
[1]
$ ip netns identify

$ ip netns exec ns1 ip netns identify
ns1
$ ip -n ns1 link
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip -n nope link
Cannot open network namespace "nope": No such file or directory
[255]
$ ip netns frob
Command "frob" is unknown, try "ip netns help".
[255]
""")


def test_links_created_in_namespaces() -> None:
    """veth ends created directly in other namespaces; deleting a namespace."""
    check(r"""
$ ip netns add ns1
$ ip netns add ns2
$ ip link add vA type veth peer name vB netns ns1
$ ip link show vA
2: vA@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 3a:8f:1e:5b:14:3e brd ff:ff:ff:ff:ff:ff link-netns ns1
$ ip -n ns1 link show vB
2: vB@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 62:0d:c9:cc:92:c0 brd ff:ff:ff:ff:ff:ff link-netnsid 0
$ ip netns list
ns2
ns1 (id: 0)
$ ip netns exec ns2 ip netns list
ns2
ns1
$ ip link add vC netns ns2 type veth peer name vD netns ns1
$ ip -n ns2 link
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: vC@if3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 22:d8:fa:d2:f9:d5 brd ff:ff:ff:ff:ff:ff link-netns ns1
$ ip -n ns1 link
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: vB@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 62:0d:c9:cc:92:c0 brd ff:ff:ff:ff:ff:ff link-netnsid 0
3: vD@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 0a:cb:90:80:ca:57 brd ff:ff:ff:ff:ff:ff link-netns ns2
$ ip netns exec ns2 ip netns list
ns2
ns1 (id: 0)
$ ip netns del ns1
$ sleep 1
$ ip link
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
$ ip -n ns2 link
1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
""")
