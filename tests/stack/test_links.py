"""Links across namespaces: veth pairs, moves, renames, deletion, bridges, namespace ids."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from nflab.lab.clock import SimClock
from nflab.lab.network import Network
from nflab.lab.scheduler import Scheduler
from nflab.stack import linkops
from nflab.stack.interfaces import LinkKind
from nflab.stack.links import NetnsError
from nflab.stack.linkstate import carrier, operstate
from nflab.stack.routing import Route


@pytest.fixture
def net() -> Network:
    return Network(Scheduler(SimClock(0.0)))


def test_veth_pair_registers_the_peer_first_and_links_the_ends(net: Network) -> None:
    ns = net.new_namespace("a").netns
    v0, v1 = linkops.veth_pair(ns, "veth0", ns, "veth1")
    assert (v1.index, v0.index) == (2, 3)
    assert v0.peer == (ns.id, "veth1") and v1.peer_name == "veth0"
    with pytest.raises(NetnsError):
        linkops.veth_pair(ns, "veth2", ns, "veth0")
    assert "veth2" not in ns.interfaces


def test_a_move_keeps_mac_index_and_peer_and_drops_addresses_and_routes(net: Network) -> None:
    a, b = net.new_namespace("a").netns, net.new_namespace("b").netns
    v0, v1 = linkops.veth_pair(a, "veth0", a, "veth1")
    mac, index = v0.mac, v0.index
    a.add_address("veth0", IPv4Interface("10.0.0.1/24"))
    linkops.set_link_up(a, "veth0", True, 0.0, net.resolve)
    assert any(r.dev == "veth0" for r in a.fib.routes)
    linkops.move_link(a, "veth0", b, net.resolve)
    assert "veth0" not in a.interfaces and b.interfaces["veth0"] is v0
    assert (v0.mac, v0.index, v0.ns_id) == (mac, index, b.id)
    assert not v0.admin_up and v0.inet == []
    assert not any(r.dev == "veth0" for r in a.fib.routes)
    assert v1.peer == (b.id, "veth0")
    assert "net.ipv4.conf.veth0.forwarding" in b.sysctls.values
    assert "net.ipv4.conf.veth0.forwarding" not in a.sysctls.values
    assert a.nsids == {b.id: 0} and b.nsids == {a.id: 0}


def test_a_move_takes_a_new_index_when_its_own_is_taken(net: Network) -> None:
    a, b = net.new_namespace("a").netns, net.new_namespace("b").netns
    linkops.veth_pair(b, "x0", b, "x1")  # indexes 2 and 3 in b
    v0, _ = linkops.veth_pair(a, "veth0", a, "veth1")
    assert v0.index == 3
    linkops.move_link(a, "veth0", b, net.resolve)
    assert v0.index == 4


def test_bridges_and_lo_stay_where_they_are(net: Network) -> None:
    a, b = net.new_namespace("a").netns, net.new_namespace("b").netns
    a.add_interface("br0", LinkKind.BRIDGE)
    for name in ("br0", "lo"):
        with pytest.raises(NetnsError, match="The interface netns is immutable"):
            linkops.move_link(a, name, b, net.resolve)


def test_rename_moves_routes_keys_ports_and_labels(net: Network) -> None:
    ns = net.new_namespace("a").netns
    linkops.veth_pair(ns, "veth0", ns, "veth1")
    ns.add_interface("br0", LinkKind.BRIDGE)
    ns.set_master("veth1", "br0")
    ns.add_address("veth0", IPv4Interface("10.0.0.1/24"))
    ns.add_address("veth0", IPv4Interface("10.0.0.2/24"))
    ns.set_up("veth0", True)
    ns.sysctls.write("net.ipv4.conf.veth0.rp_filter", "2")
    ns.rename_interface("veth0", "eth0")
    ns.rename_interface("br0", "sw0")
    assert {r.dev for r in ns.fib.routes if r.dev != "lo"} == {"eth0"}
    assert ns.sysctls.get("net.ipv4.conf.eth0.rp_filter") == "2"
    assert ns.sysctls.get("net.ipv4.conf.veth0.rp_filter") is None
    assert ns.interfaces["veth1"].master == "sw0"
    assert [a.label for a in ns.interfaces["eth0"].inet] == ["eth0", "eth0:2"]
    with pytest.raises(NetnsError):
        ns.rename_interface("eth0", "veth1")


def test_deleting_a_veth_takes_both_ends_and_their_routes(net: Network) -> None:
    a, b = net.new_namespace("a").netns, net.new_namespace("b").netns
    linkops.veth_pair(a, "veth0", b, "veth1")
    b.add_address("veth1", IPv4Interface("10.0.0.2/24"))
    linkops.delete_link(a, "veth0", net.resolve)
    assert "veth0" not in a.interfaces and "veth1" not in b.interfaces
    assert not any(r.dev == "veth1" for r in b.fib.routes)
    with pytest.raises(NetnsError):
        linkops.delete_link(a, "lo", net.resolve)


def test_a_namespace_that_goes_takes_its_veths_and_their_peers(net: Network) -> None:
    root, child = net.new_namespace("a"), net.new_namespace("a:ns0")
    linkops.veth_pair(root.netns, "veth0", child.netns, "veth1")
    root.netns.nsid_of(child.netns.id)
    net.remove_namespace(child)
    assert "veth0" not in root.netns.interfaces
    assert root.netns.nsids == {}
    assert net.resolve(child.netns.id) is None


def test_carrier_and_operational_state(net: Network) -> None:
    ns = net.new_namespace("a").netns
    v0, v1 = linkops.veth_pair(ns, "veth0", ns, "veth1")
    linkops.set_link_up(ns, "veth0", True, 0.0, net.resolve)
    assert not carrier(ns, v0) and operstate(ns, v0) == "LOWERLAYERDOWN"
    linkops.set_link_up(ns, "veth1", True, 0.0, net.resolve)
    assert carrier(ns, v0) and operstate(ns, v0) == operstate(ns, v1) == "UP"
    br = ns.add_interface("br0", LinkKind.BRIDGE)
    linkops.set_link_up(ns, "br0", True, 0.0, net.resolve)
    assert operstate(ns, br) == "UNKNOWN" and carrier(ns, br)
    linkops.set_master(ns, "veth1", "br0")
    assert operstate(ns, br) == "UP" and br.mac == v1.mac
    linkops.set_master(ns, "veth1", None)
    assert operstate(ns, br) == "DOWN" and br.mac == bytes(6)


def test_lo_gets_its_address_when_it_first_comes_up(net: Network) -> None:
    ns = net.new_namespace("a").netns
    assert ns.interfaces["lo"].inet == [] and ns.fib.routes == []
    ns.set_up("lo", True)
    assert ns.interfaces["lo"].addresses == [IPv4Interface("127.0.0.1/8")]
    assert ns.is_local(IPv4Address("127.0.0.2"))
    ns.set_up("lo", False)
    assert [r.kind for r in ns.fib.routes] == ["local", "local"]  # broadcast gone


def test_routes_are_checked_as_the_kernel_checks_them(net: Network) -> None:
    ns = net.new_namespace("a").netns
    linkops.veth_pair(ns, "veth0", ns, "veth1")
    ns.add_address("veth0", IPv4Interface("10.0.0.1/24"))
    gw = Route(IPv4Network("0.0.0.0/0"), "veth0", via=IPv4Address("10.0.0.2"))
    with pytest.raises(NetnsError, match="invalid gateway"):
        ns.add_route(gw)  # the link is down: no connected route to the gateway
    ns.set_up("veth0", True)
    ns.add_route(gw)
    with pytest.raises(NetnsError) as err:
        ns.add_route(gw)
    assert err.value.errno == "EEXIST"
    with pytest.raises(NetnsError, match="Invalid prefsrc"):
        ns.add_route(Route(IPv4Network("10.9.0.0/16"), "veth0", src=IPv4Address("10.0.0.9")))
    ns.set_up("veth0", False)
    assert not any(r.dev == "veth0" and r.table == "main" for r in ns.fib.routes)
