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
from typing import Any

from ..packet.headers import Packet


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
    src_mac: bytes | None = None
    pkttype: str = "host"  # host, broadcast, multicast, otherhost (``-m pkttype``)
    bridge_in: str = ""  # physdev: bridge port the frame came in on
    bridge_out: str = ""
    notrack: bool = False
    trace: bool = False
    priority: int = 0  # CLASSIFY
    secmark: int = 0
    nfqueue: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Env:
    """The namespace around a traversal: time, randomness, persistent per-rule state."""

    now: float = 0.0  # seconds since the simulated boot
    wall_clock: float = 0.0  # Unix time (``-m time``)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    state: dict[Any, Any] = field(default_factory=dict)  # keyed by extension + rule identity
    log: Callable[[str], None] = field(default=lambda line: None)
    address_types: Callable[[Any], str] = field(default=lambda addr: "UNICAST")
    local_addresses: Callable[[], frozenset[Any]] = field(default=lambda: frozenset())
    services: dict[str, Any] = field(default_factory=dict)  # ipsets, recent tables, nfacct ...
