"""A Linux bridge's forwarding database (``net/bridge/br_fdb.c``, ``br_forward.c``).

Frames teach the bridge where each source MAC lives (its port); a frame to a
known unicast MAC goes out of that port only, anything else floods every
other forwarding port. The bridge device itself is a port too: frames to its
own MAC (or broadcasts) go up its stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AGEING_TIME = 300.0  # seconds (bridge ageing_time default)

LOCAL = ""  # the port name standing for the bridge device itself


@dataclass
class FdbEntry:
    port: str
    updated: float


@dataclass
class Fdb:
    entries: dict[bytes, FdbEntry] = field(default_factory=dict)

    def learn(self, mac: bytes, port: str, now: float) -> None:
        if mac[0] & 1:  # never learn a multicast source
            return
        self.entries[mac] = FdbEntry(port, now)

    def lookup(self, mac: bytes, now: float) -> str | None:
        entry = self.entries.get(mac)
        if entry is None or now - entry.updated > AGEING_TIME:
            return None
        return entry.port

    def forget_port(self, port: str) -> None:
        for mac in [m for m, e in self.entries.items() if e.port == port]:
            del self.entries[mac]


def destinations(
    fdb: Fdb, dst_mac: bytes, in_port: str, ports: list[str], bridge_mac: bytes, now: float
) -> list[str]:
    """Where a frame that came in on ``in_port`` goes: ports, and :data:`LOCAL` for the
    bridge's own stack (``br_handle_frame_finish``)."""
    if dst_mac == bridge_mac:
        return [LOCAL]
    if dst_mac[0] & 1:  # broadcast/multicast: everyone else, and the bridge itself
        return [LOCAL, *[p for p in ports if p != in_port]]
    known = fdb.lookup(dst_mac, now)
    if known is not None:
        return [] if known == in_port else [known]
    return [p for p in ports if p != in_port]
