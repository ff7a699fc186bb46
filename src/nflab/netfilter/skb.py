"""What matches and targets see while a packet traverses a hook.

:class:`Skb` is the packet with its per-packet metadata (the kernel's
``sk_buff``): the packet value itself is frozen, a target that rewrites it
stores a new value in ``skb.packet``. :class:`Env` is the namespace around
it: clock, seeded randomness, per-rule state (limit buckets, recent lists,
quota...), the kernel log. No I/O: everything is passed in.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from ..packet.headers import Packet

T = TypeVar("T")


class XtVerdict(Enum):
    """What a target returns (``NF_ACCEPT``, ``NF_DROP``, ``XT_CONTINUE``, ...)."""

    ACCEPT = "ACCEPT"
    DROP = "DROP"
    QUEUE = "QUEUE"
    STOLEN = "STOLEN"  # the target consumed the packet (e.g. TEE's clone, SYNPROXY)
    CONTINUE = "CONTINUE"  # go on with the next rule (LOG, MARK, ...)
    RETURN = "RETURN"
    REPEAT = "REPEAT"


class CtState(Enum):
    INVALID = "INVALID"
    NEW = "NEW"
    ESTABLISHED = "ESTABLISHED"
    RELATED = "RELATED"
    UNTRACKED = "UNTRACKED"


@dataclass
class Skb:
    """A packet in flight through one netfilter hook."""

    packet: Packet
    hook: str = ""  # PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING
    table: str = ""
    in_iface: str = ""
    out_iface: str = ""
    mark: int = 0
    # conntrack: the entry (owned by the conntrack module), its state as seen by this packet
    ct: Any = None
    ctstate: CtState | None = None
    ct_reply: bool = False  # the packet goes in the reply direction
    # the local socket's owner for OUTPUT/POSTROUTING (``-m owner``)
    sock_uid: int | None = None
    sock_gid: int | None = None
    sock_groups: tuple[int, ...] = ()  # the owner's supplementary groups (``--suppl-groups``)
    src_mac: bytes | None = None
    # the link-layer header the packet arrived with (LOG's ``MAC=``): 14 bytes dst, src,
    # type on Ethernet and lo; None when the device has none (tun) or it left locally
    mac_header: bytes | None = None
    pkttype: str = "host"  # host, broadcast, multicast, otherhost, loopback (``-m pkttype``)
    realm: int = 0  # the route's realm (the dst's tclassid, ``ip route ... realm``; ``-m realm``)
    # a match could not read the headers it needs: the kernel drops the packet (``par->hotdrop``)
    hotdrop: bool = False
    bridge_in: str = ""  # physdev: bridge port the frame came in on
    bridge_out: str = ""
    notrack: bool = False
    # what ``-j CT`` attached in raw (``nf_ct_set(skb, tmpl)``): a ctview.CtTemplate whose
    # zone, helper, timeout policy and events the conntrack hook applies to a new entry
    ct_template: Any = None
    trace: bool = False
    priority: int = 0  # CLASSIFY
    secmark: int = 0
    nfqueue: int | None = None  # the queue a QUEUE verdict names (NFQUEUE; None: queue 0)
    nfqueue_bypass: bool = False  # ``--queue-bypass``: no program on the queue, no drop
    # the translation a NAT target chose (a natrange.NatBinding) for the conntrack layer
    nat: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fragoff(self) -> int:
        """The fragment offset in 8-byte units (``par->fragoff``): matches on a transport
        header do not match later fragments."""
        return self.packet.ip.frag_offset

    def transport_header(self, size: int) -> bytes | None:
        """``skb_header_pointer(skb, thoff, size)`` for a transport nflab keeps as raw bytes
        (sctp, dccp, esp, ah, ipcomp...: a packet without a header value carries its
        transport header and data in ``payload``); None when the packet is shorter."""
        if self.packet.l4 is not None or len(self.packet.payload) < size:
            return None
        return self.packet.payload[:size]


@dataclass
class Env:
    """The namespace around a traversal: time, randomness, persistent per-rule state."""

    now: float = 0.0  # seconds since the simulated boot
    wall_clock: float = 0.0  # Unix time (``-m time``)
    kernel_tz_minuteswest: int = 0  # ``sys_tz`` (settimeofday): ``-m time --kerneltz``
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    state: dict[Any, Any] = field(default_factory=dict)  # keyed by extension + rule identity
    # the kernel log (printk): syslog level 0-7 and the line (LOG target, rate-limited warnings)
    log: Callable[[int, str], None] = field(default=lambda level, line: None)
    # ``inet_dev_addr_type``: the route type name (UNICAST, LOCAL, BROADCAST...) of an address;
    # ``-m addrtype --limit-iface-*`` passes the device as a second argument (only routes
    # through it count, another device's address is UNICAST)
    address_types: Callable[..., str] = field(default=lambda addr, dev=None: "UNICAST")
    local_addresses: Callable[[], frozenset[Any]] = field(default=lambda: frozenset())
    services: dict[str, Any] = field(default_factory=dict)  # ipsets, recent tables, nfacct ...
    current_rule: Any = None  # identity of the rule being evaluated (set by the engine)
    # ``dst_mtu`` of the route toward an address (None: no route), for TCPMSS --clamp-mss-to-pmtu
    route_mtu: Callable[[Any], int | None] = field(default=lambda addr: 1500)
    # effects outside the packet, in order, for the lab to act on or show: ("TEE", TeeEvent),
    # ("AUDIT", ...), ("LED", ...): targets append, the stack consumes
    events: list[tuple[str, Any]] = field(default_factory=list)
    # what the stack answers for targets that build packets or translate addresses:
    # the source ``ip_route_output`` picks toward an address (REJECT's ICMP errors),
    # ``inet_select_addr(dev, nexthop toward addr, RT_SCOPE_UNIVERSE)`` (MASQUERADE),
    # a device's first address (REDIRECT), and ``net.ipv4.ip_default_ttl``
    route_source: Callable[[Any], Any] = field(default=lambda addr: None)
    iface_select_source: Callable[[str, Any], Any] = field(default=lambda dev, addr: None)
    iface_first_address: Callable[[str], Any] = field(default=lambda dev: None)
    default_ttl: int = 64
    # the conntrack table for NAT: is a tuple in use by another connection
    # (``nf_nat_used_tuple``), and the translated tuples of source-NATed connections from
    # the same source address and port (``find_appropriate_src``)
    nat_tuple_taken: Callable[[Any], bool] = field(default=lambda tup: False)
    nat_bysource: Callable[[Any], Any] = field(default=lambda tup: ())
    # ``fib_lookup`` as ``-m rpfilter`` asks it (destination, source, mark, tos): the
    # route's type name (UNICAST, LOCAL, ...) and the devices of its nexthops, None = no route
    fib_lookup: Callable[[Any, Any, int, int], tuple[str, frozenset[str]] | None] = field(
        default=lambda daddr, saddr, mark, tos: None
    )
    # ``nf_sk_lookup_slow_v4``: the local socket a packet belongs to (``-m socket``), an
    # object with ``transparent`` (IP_TRANSPARENT), ``bound_any`` (a full socket bound to
    # 0.0.0.0) and ``mark`` (SO_MARK); None when no socket matches
    socket_lookup: Callable[[Skb], Any] = field(default=lambda skb: None)
    # a device's group (``ip link set DEV group N``, ``-m devgroup``)
    device_group: Callable[[str], int] = field(default=lambda dev: 0)
    # the namespace's NFNLGRP_NFTRACE listeners (``xtables-monitor --trace``): each gets the
    # nftrace.NftTrace messages of traced packets; none listening, none are made
    nftrace_listeners: list[Callable[[Any], None]] = field(default_factory=list)
    # ``nf_tproxy_get_sock_v4(proto, saddr, daddr, sport, dport, in, lookup_type)`` for
    # TPROXY: the established socket of these addresses (``listener`` False) or the one
    # listening on daddr:dport (True); an object with ``transparent`` and ``time_wait``
    tproxy_socket: Callable[..., Any] = field(
        default=lambda proto, saddr, sport, daddr, dport, dev, listener: None
    )

    def rule_state(self, owner: str, value: Any, factory: Callable[[], T]) -> T:
        """The state of one rule instance (a quota's bytes left, connlimit's connections).

        Keyed by the extension and the identity of the rule's value object, as the
        kernel keeps such state with the rule's own copy of the match data; the value
        is kept alongside so its id cannot be reused while the state lives.
        """
        # the engine sets ``current_rule`` to the rule slot being evaluated: equal rules
        # (even sharing one frozen value) keep separate state, as separate kernel entries do
        # (the value's identity too: one rule may hold two quota matches)
        holder = self.current_rule if self.current_rule is not None else value
        key = (owner, id(holder), id(value))
        entry = self.state.get(key)
        if entry is None or entry[0] is not holder or entry[1] is not value:
            entry = (holder, value, factory())
            self.state[key] = entry
        return entry[2]
