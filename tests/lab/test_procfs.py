"""/proc/sys/net and /proc/net/nf_conntrack show the namespace of the process reading them."""

from __future__ import annotations

from ipaddress import IPv4Address

from nflab.lab.context import Context
from nflab.lab.world import World
from nflab.netfilter.conntrack import listing_line
from nflab.netfilter.skb import Skb, XtVerdict
from nflab.packet.headers import IPPROTO_TCP, TCP, IPv4, Packet, TcpFlags
from nflab.programs.sh import run_command_line
from nflab.stack.interfaces import mac_text
from nflab.stack.neighbour import Neighbour


def test_each_namespace_has_its_own_proc_sys_net() -> None:
    world = World()
    vm = world.add_machine("vm")
    vm.add_namespace("ns0")
    root, child = Context(vm), Context(vm).in_netns("ns0")
    assert run_command_line(root, "echo 1 > /proc/sys/net/ipv4/ip_forward") == ("", 0)
    assert run_command_line(root, "cat /proc/sys/net/ipv4/ip_forward") == ("1\n", 0)
    assert run_command_line(child, "cat /proc/sys/net/ipv4/ip_forward") == ("0\n", 0)
    assert vm.netns.netns.sysctls.get("net.ipv4.conf.lo.forwarding") == "1"
    # a link's keys appear with it, in the namespace it is in
    assert run_command_line(root, "ip link add veth0 type veth peer name veth1 netns ns0") == ("", 0)
    assert run_command_line(child, "cat /proc/sys/net/ipv4/conf/veth1/forwarding") == ("0\n", 0)
    assert run_command_line(root, "cat /proc/sys/net/ipv4/conf/veth1/forwarding")[1] == 1
    world.shutdown()


def test_proc_net_nf_conntrack_lists_the_namespace_table() -> None:
    world = World()
    vm = world.add_machine("vm")
    ns = vm.netns.netns
    ctx = Context(vm)
    assert run_command_line(ctx, "cat /proc/net/nf_conntrack") == ("", 0)
    # a rule that needs conntrack: connections are tracked from now on
    assert run_command_line(ctx, "iptables -A OUTPUT -m conntrack --ctstate NEW") == ("", 0)
    syn = Packet(
        IPv4(IPv4Address("127.0.0.1"), IPv4Address("127.0.0.1"), IPPROTO_TCP),
        TCP(40000, 80, flags=TcpFlags.SYN),
    )
    skb = Skb(syn, out_iface="lo")
    assert ns.hooks.run("OUTPUT", skb, ns.env) is XtVerdict.ACCEPT
    assert ns.hooks.run("POSTROUTING", skb, ns.env) is XtVerdict.ACCEPT
    entries = ns.conntrack.entries(vm.scheduler.now)
    assert len(entries) == 1
    text, status = run_command_line(ctx, "cat /proc/net/nf_conntrack")
    assert status == 0
    assert text == listing_line(entries[0], vm.scheduler.now, proc=True) + "\n"
    assert text.startswith("ipv4     2 tcp      6 ")
    world.shutdown()


def test_ip_neigh_shows_the_arp_table() -> None:
    """The entries as ``print_neigh`` prints them (format captured from iproute2 6.1:
    ``10.0.0.2 dev veth0 lladdr 42:5c:44:f5:f1:91 REACHABLE ``)."""
    world = World()
    vm = world.add_machine("vm")
    ctx = Context(vm)
    ns = vm.netns.netns
    run_command_line(ctx, "ip link add veth0 type veth peer name veth1")
    mac = bytes.fromhex("425c44f5f191")
    ns.neighbours.entries[("veth0", IPv4Address("10.0.0.2"))] = Neighbour(
        "veth0", IPv4Address("10.0.0.2"), mac, nud="REACHABLE"
    )
    ns.neighbours.entries[("veth0", IPv4Address("10.0.0.3"))] = Neighbour("veth0", IPv4Address("10.0.0.3"))
    assert run_command_line(ctx, "ip neigh show") == (
        f"10.0.0.2 dev veth0 lladdr {mac_text(mac)} REACHABLE \n10.0.0.3 dev veth0 INCOMPLETE \n", 0
    )
    assert run_command_line(ctx, "ip neigh show dev veth0 10.0.0.2") == (
        f"10.0.0.2 lladdr {mac_text(mac)} REACHABLE \n", 0
    )
    world.shutdown()
