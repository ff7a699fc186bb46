"""What matches and targets may see of a conntrack entry (``struct nf_conn``).

The conntrack module owns the entries; extensions only code against these
protocols, so any entry type that offers the attributes below works. An
``Skb`` carries the entry of its packet in ``skb.ct`` (None when untracked or
invalid) and the packet's state in ``skb.ctstate``.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from ipaddress import IPv4Address
from typing import Protocol


class CtDir(IntEnum):
    """``enum ip_conntrack_dir``."""

    ORIGINAL = 0
    REPLY = 1


class CtStatus(IntFlag):
    """``enum ip_conntrack_status`` bits (``include/uapi/linux/netfilter/nf_conntrack_common.h``)."""

    EXPECTED = 1 << 0
    SEEN_REPLY = 1 << 1
    ASSURED = 1 << 2
    CONFIRMED = 1 << 3
    SRC_NAT = 1 << 4
    DST_NAT = 1 << 5
    SEQ_ADJUST = 1 << 6
    SRC_NAT_DONE = 1 << 7
    DST_NAT_DONE = 1 << 8
    DYING = 1 << 9
    FIXED_TIMEOUT = 1 << 10
    TEMPLATE = 1 << 11
    UNTRACKED = 1 << 12
    HELPER = 1 << 13
    OFFLOAD = 1 << 14


class CtTupleView(Protocol):
    """One direction's tuple (``struct nf_conntrack_tuple``).

    ``sport``/``dport`` are the ports for TCP/UDP/SCTP/DCCP; for ICMP the kernel
    keeps the echo id in the source "port" and type/code in the destination part.
    """

    @property
    def src(self) -> IPv4Address: ...

    @property
    def dst(self) -> IPv4Address: ...

    @property
    def proto(self) -> int: ...

    @property
    def sport(self) -> int: ...

    @property
    def dport(self) -> int: ...


class ConnView(Protocol):
    """The parts of a conntrack entry the xt extensions read (and a few write).

    ``mark`` is written by ``CONNMARK``/``connmark``-related targets and
    ``labels`` (a bit set, bit N = label N) by ``-m connlabel --set``, as in
    the kernel where those live in the entry itself.
    """

    mark: int
    labels: int

    def tuple(self, direction: CtDir) -> CtTupleView:
        """``ct->tuplehash[direction].tuple``."""
        ...

    @property
    def status(self) -> int:
        """``ct->status``: an OR of :class:`CtStatus` bits."""
        ...

    def expires_in(self, now: float) -> float:
        """Seconds left before the entry times out (``nf_ct_expires``, never negative)."""
        ...

    def counters(self, direction: CtDir) -> builtins.tuple[int, int]:
        """``nf_conn_acct`` of one direction: (packets, bytes) seen so far."""
        ...

    @property
    def helper(self) -> str | None:
        """The name of the assigned helper (``nfct_help(ct)->helper->name``), if any."""
        ...

    @property
    def finished(self) -> bool:
        """The entry left the table (expired, deleted) or is a TCP connection in CLOSE
        or TIME_WAIT: ``nf_conncount`` (connlimit) stops counting it."""
        ...

    @property
    def master(self) -> ConnView | None:
        """The connection that expected this one (``ct->master``: RELATED), if any."""
        ...


@dataclass(frozen=True, slots=True)
class CtTemplate:
    """The template ``-j CT`` attaches to a packet in raw (``nf_ct_tmpl_alloc``).

    The conntrack hook builds a new entry from it: ``zone`` (taken from the packet's
    mark when ``zone_from_mark``) applies to ``zone_dir`` ("" = both directions,
    "orig", "reply"), ``helper`` and ``timeout`` name a helper and a timeout policy,
    ``ct_events``/``exp_events`` restrict the event notifications.
    """

    zone: int = 0
    zone_dir: str = ""
    zone_from_mark: bool = False
    helper: str = ""
    timeout: str = ""
    ct_events: frozenset[str] = frozenset()
    exp_events: frozenset[str] = frozenset()
