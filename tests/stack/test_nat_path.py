"""NAT through the hooks of one namespace, rules given as iptables commands.

Pins the kernel behaviours: the nat table sees only a connection's first
packet; replies are translated back from the conntrack tuples; a null
binding keeps the tuple; SO_ORIGINAL_DST-style original tuple survives.
"""

from ipaddress import IPv4Address, IPv4Interface

from nflab.netfilter.skb import CtState, Skb, XtVerdict
from nflab.packet.headers import IPPROTO_TCP, TCP, IPv4, Packet, TcpFlags
from nflab.programs.base import Io
from nflab.programs.iptables import iptables_main
from nflab.stack.interfaces import LinkKind
from nflab.stack.netns import Netns


class NsHost:
    def __init__(self, ns: Netns):
        self.netfilter = ns.netfilter
        from nflab.iptables.names import Names

        self.names = Names()

    def now_ctime(self) -> str:
        return "Thu Jan  1 00:00:00 1970"


def ipt(ns: Netns, line: str) -> None:
    io = Io()
    assert iptables_main(line.split(), io, NsHost(ns)) == 0, io.combined


def seg(src: str, sport: int, dst: str, dport: int, flags: int) -> Packet:
    return Packet(IPv4(IPv4Address(src), IPv4Address(dst), IPPROTO_TCP), TCP(sport, dport, flags=flags))


def router() -> Netns:
    ns = Netns(1)
    for name, addr in (("eth0", "192.168.57.3/24"), ("eth1", "10.0.2.15/24")):
        ns.add_interface(name, LinkKind.VETH)
        ns.add_address(name, IPv4Interface(addr))
        ns.set_up(name, True)
    return ns


def run(ns: Netns, hook: str, packet: Packet, **where: str) -> Skb:
    skb = Skb(packet, **where)
    assert ns.hooks.run(hook, skb, ns.env) is XtVerdict.ACCEPT
    return skb


def test_dnat_first_packet_then_replies_translated_back() -> None:
    ns = router()
    ipt(ns, "iptables -t nat -A PREROUTING -p tcp --dport 12347 -j DNAT --to-destination 10.0.2.99:80")
    syn = run(ns, "PREROUTING", seg("192.168.57.1", 40000, "192.168.57.3", 12347, TcpFlags.SYN), in_iface="eth0")
    assert (syn.packet.ip.dst, syn.packet.tcp.dport) == (IPv4Address("10.0.2.99"), 80)
    assert syn.ctstate is CtState.NEW
    post = Skb(syn.packet, in_iface="eth0", out_iface="eth1")
    post.ct, post.ctstate = syn.ct, syn.ctstate
    assert ns.hooks.run("POSTROUTING", post, ns.env) is XtVerdict.ACCEPT
    conn = syn.ct
    assert conn.orig.dst == IPv4Address("192.168.57.3") and conn.orig.dport == 12347
    # the reply from the server is rewritten back to the address the client used
    synack = run(ns, "PREROUTING", seg("10.0.2.99", 80, "192.168.57.1", 40000, TcpFlags.SYN | TcpFlags.ACK), in_iface="eth1")
    assert synack.ctstate is CtState.ESTABLISHED and synack.ct_reply
    post = Skb(synack.packet, in_iface="eth1", out_iface="eth0")
    post.ct, post.ctstate, post.ct_reply = synack.ct, synack.ctstate, True
    ns.hooks.run("POSTROUTING", post, ns.env)
    assert (post.packet.ip.src, post.packet.tcp.sport) == (IPv4Address("192.168.57.3"), 12347)
    # the nat table is not consulted again: its counters saw one packet
    listing = Io()
    iptables_main(["iptables", "-t", "nat", "-nvxL", "PREROUTING"], listing, NsHost(ns))
    assert listing.stdout.splitlines()[2].split()[0] == "1"


def test_masquerade_uses_the_out_interface_address() -> None:
    ns = router()
    ipt(ns, "iptables -t nat -A POSTROUTING -s 192.168.57.0/24 -o eth1 -j MASQUERADE")
    first = run(ns, "PREROUTING", seg("192.168.57.1", 40000, "203.0.113.35", 80, TcpFlags.SYN), in_iface="eth0")
    post = Skb(first.packet, in_iface="eth0", out_iface="eth1")
    post.ct, post.ctstate = first.ct, first.ctstate
    ns.hooks.run("POSTROUTING", post, ns.env)
    assert post.packet.ip.src == IPv4Address("10.0.2.15")
    assert post.packet.tcp.sport == 40000  # a free source port is kept
