"""NAT at the hooks (``nf_nat_inet_fn``, ``nf_nat_packet``, ``nf_nat_icmp_reply_translation``).

The nat table is consulted only for a connection's first packet, once per
manip type (destination at PREROUTING/OUTPUT, source at POSTROUTING/INPUT);
what it decides (a NAT target's binding, or a null binding) is stored in the
connection's reply tuple, and every packet of the connection, both ways, is
rewritten from the tuples.
"""

from __future__ import annotations

from collections.abc import Callable

from ..packet.headers import ICMP, IPPROTO_ICMP, Packet
from ..values import evolve
from .conntrack import Conn, Tuple
from .ctview import CtStatus
from .engine import Tracer
from .natrange import Manip, NatBinding, NatFlag, NatRange, get_unique_tuple, hook_manip
from .skb import CtState, Env, Skb, XtVerdict

TableRunner = Callable[[str, str, Skb, Env, Tracer | None], XtVerdict]

# the status bits as plain ints: a connection's status is an int (IntFlag arithmetic is
# slow, and every packet of a NATed connection tests these)
_SRC_NAT, _DST_NAT = int(CtStatus.SRC_NAT), int(CtStatus.DST_NAT)
_DONE = {Manip.SRC: int(CtStatus.SRC_NAT_DONE), Manip.DST: int(CtStatus.DST_NAT_DONE)}
_STATUS = {Manip.SRC: _SRC_NAT, Manip.DST: _DST_NAT}


def nat_hook(hook: str, skb: Skb, env: Env, tracer: Tracer | None, run_tables: TableRunner) -> XtVerdict:
    """One NAT stage of a hook for a tracked packet."""
    conn = skb.ct
    if not isinstance(conn, Conn):
        return XtVerdict.ACCEPT
    manip = hook_manip(hook)
    if skb.ctstate is CtState.RELATED and skb.packet.icmp is not None and skb.packet.icmp.is_error:
        skb.packet = icmp_reply_translation(conn, skb.packet, skb.ct_reply, manip)
        return XtVerdict.ACCEPT
    if skb.ctstate is CtState.NEW and not skb.ct_reply and not conn.status & _DONE[manip]:
        skb.nat = None
        verdict = run_tables("nat", hook, skb, env, tracer)
        if verdict is not XtVerdict.ACCEPT:
            return verdict
        binding = skb.nat if isinstance(skb.nat, NatBinding) and skb.nat.manip is manip else None
        if binding is None:
            binding = null_binding(conn, manip, env)
        apply_binding(conn, binding)
    skb.packet = manip_packet(conn, skb.packet, skb.ct_reply, manip)
    return XtVerdict.ACCEPT


def null_binding(conn: Conn, manip: Manip, env: Env) -> NatBinding:
    """``nf_nat_alloc_null_binding``: map to itself, which may still move a clashing
    source port (two connections may not share a reply tuple)."""
    current = conn.reply.reply()
    addr = current.src if manip is Manip.SRC else current.dst
    rng = NatRange(NatFlag.MAP_IPS, addr, addr)
    new = get_unique_tuple(current, rng, manip, taken=env.nat_tuple_taken, rand=env.rng)
    return NatBinding(manip, current, new)


def apply_binding(conn: Conn, binding: NatBinding) -> None:
    """``nf_nat_setup_info``: the reply tuple becomes the inverse of the new tuple."""
    if binding.changed:
        conn.reply = binding.new.reply()
        conn.status |= _STATUS[binding.manip]
    conn.status |= _DONE[binding.manip]


def _needs(conn: Conn, manip: Manip, reply: bool) -> bool:
    """``nf_nat_packet``'s status bit: a reply is rewritten by the opposite NAT."""
    bit = _STATUS[manip]
    if reply:
        bit = _DST_NAT if bit == _SRC_NAT else _SRC_NAT
    return bool(conn.status & bit)


def manip_packet(conn: Conn, packet: Packet, reply: bool, manip: Manip) -> Packet:
    """Rewrite the packet to ``invert(tuple of the other direction)`` on one side."""
    if not _needs(conn, manip, reply):
        return packet
    target = conn.tuple_for(not reply).reply()
    return rewrite(packet, target, manip)


def rewrite(packet: Packet, target: Tuple, manip: Manip) -> Packet:
    """``nf_nat_ipv4_manip_pkt``: one end's address and port (or the ICMP id)."""
    ip = packet.ip
    l4 = packet.l4
    if manip is Manip.SRC:
        ip = evolve(ip, src=target.src)
    else:
        ip = evolve(ip, dst=target.dst)
    if isinstance(l4, ICMP):
        if not l4.is_error:
            l4 = evolve(l4, ident=target.sport)  # the echo id is kept in the source part
    elif l4 is not None and ip.proto != IPPROTO_ICMP:
        if manip is Manip.SRC:
            l4 = evolve(l4, sport=target.sport)
        else:
            l4 = evolve(l4, dport=target.dport)
    return evolve(packet, ip=ip, l4=l4)


def icmp_reply_translation(conn: Conn, packet: Packet, reply: bool, manip: Manip) -> Packet:
    """An ICMP error about a NATed connection: the quoted packet and the outer header
    are rewritten so each side sees its own addresses."""
    if not _needs(conn, manip, reply):
        return packet
    icmp = packet.icmp
    assert icmp is not None
    other = conn.tuple_for(not reply)
    inner_manip = Manip.DST if manip is Manip.SRC else Manip.SRC
    quoted = icmp.quoted
    if quoted is not None:
        # the opposite manip on the inner packet: it travels the other way
        quoted = rewrite(quoted, other, inner_manip)
    outer = rewrite(evolve(packet, l4=evolve(icmp, quoted=quoted)), other.reply(), manip)
    return outer
