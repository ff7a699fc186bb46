"""``dmesg`` on a kernel-mode lab machine: the LOG lines of that machine only.

The host has one kernel log for all namespaces, and a LOG line does not say
which namespace wrote it. This program (bind-mounted over the machine's
``/usr/bin/dmesg``) shows a record when all of these hold:

1. it was logged after the machine booted or was last cleared (``dmesg -c``,
   ``-C``): records after the sequence number kept in ``/run/nflab/dmesg.mark``;
2. it is a netfilter LOG line (``IN=... OUT=...``) whose interfaces
   (``IN``, ``OUT``, ``PHYSIN``, ``PHYSOUT``) all exist on the machine: in its
   own network namespace or in one it created with ``ip netns add``;
3. the packet is the machine's: a frame received on ``IN`` was sent to the
   MAC address of one of the machine's interfaces (when unicast), or crossed
   one of its bridges (``PHYSIN``/``PHYSOUT``: br_netfilter); a packet the
   machine sent itself (``IN=`` empty) has one of its addresses as ``SRC``.

Rule 3 tells machines apart that use the same interface names (``eth0`` on
every machine). What it cannot tell apart is loopback or broadcast traffic of
two machines with the same interface names; and lines about interfaces that
were deleted since are no longer shown.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kmsg import last_sequence, read_records

CTL = Path("/run/nflab")
_LOG_START = re.compile(r"(?:^|\s)(IN=\S* OUT=\S*)")
_FIELD = re.compile(r"([A-Z]+)=(\S*)")
_ZERO_MAC = "00:00:00:00:00:00"


@dataclass(frozen=True, slots=True)
class MachineView:
    """What identifies a machine's packets: its interface names, MAC and IP addresses."""

    interfaces: frozenset[str]
    macs: frozenset[str]
    addresses: frozenset[ipaddress.IPv4Address | ipaddress.IPv6Address]


def log_fields(text: str) -> dict[str, str] | None:
    """The ``KEY=VALUE`` fields of a LOG line from ``IN=`` on (the prefix is free text), or None."""
    start = _LOG_START.search(text)
    if start is None:
        return None
    return dict(_FIELD.findall(text[start.start(1) :]))


def _unicast(mac: str) -> bool:
    return len(mac) == 17 and mac != _ZERO_MAC and not int(mac[:2], 16) & 1


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text or "")
    except ValueError:
        return None


def belongs(fields: Mapping[str, str], view: MachineView) -> bool:
    """Rules 2 and 3 of the module's description."""
    names = {fields.get(k, "") for k in ("IN", "OUT", "PHYSIN", "PHYSOUT")} - {""}
    if not names <= view.interfaces:
        return False
    if fields.get("PHYSIN") or fields.get("PHYSOUT"):
        return True  # bridged through one of the machine's bridges: its port names said so
    if fields.get("IN"):
        destination = fields.get("MAC", "")[:17].lower()
        return destination in view.macs if _unicast(destination) else True
    return _address(fields.get("SRC")) in view.addresses


def view_of(links: Sequence[Mapping[str, Any]]) -> MachineView:
    """From ``ip -j addr show`` outputs of the machine's namespaces."""
    names, macs, addresses = set(), set(), set()
    for link in links:
        names.add(str(link.get("ifname", "")))
        macs.add(str(link.get("address", "")).lower())
        for info in link.get("addr_info") or []:
            address = _address(info.get("local"))
            if address is not None:
                addresses.add(address)
    return MachineView(frozenset(names), frozenset(macs), frozenset(addresses))


def machine_view() -> MachineView:
    """The machine's namespaces: its own (``/run/nflab/netns``) and those it added."""
    netns_dir = Path("/run/netns")
    files = [CTL / "netns", *sorted(netns_dir.iterdir() if netns_dir.is_dir() else [])]
    links: list[Mapping[str, Any]] = []
    for file in files:
        done = subprocess.run(
            ["nsenter", f"--net={file}", "--", "ip", "-j", "addr", "show"],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode == 0 and done.stdout.strip():
            links.extend(json.loads(done.stdout))
    return view_of(links)


def main(argv: Sequence[str]) -> int:
    clear_after = clear_only = False
    with_time = True
    for arg in argv:
        if arg in ("-c", "--read-clear"):
            clear_after = True
        elif arg in ("-C", "--clear"):
            clear_only = True
        elif arg in ("-t", "--notime"):
            with_time = False
        elif arg in ("-k", "--kernel"):
            pass
        else:
            sys.stderr.write(f"dmesg: {arg}: not available on an nflab lab machine (-c, -C, -t, -k are)\n")
            return 1
    mark_file = CTL / "dmesg.mark"
    if clear_only:
        mark_file.write_text(f"{last_sequence()}\n")
        return 0
    records = read_records(after=int(mark_file.read_text().strip() or "-1"))
    view = machine_view()
    for record in records:
        fields = log_fields(record.text)
        if fields is not None and belongs(fields, view):
            sys.stdout.write(record.dmesg_line(with_time) + "\n")
    sys.stdout.flush()
    if clear_after and records:  # exactly what was read: a line logged meanwhile stays
        mark_file.write_text(f"{records[-1].sequence}\n")
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
