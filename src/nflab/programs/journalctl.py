"""``journalctl`` (systemd 252): the machine's journal, i.e. what its boot services logged.

A machine whose boot services logged nothing has no journal files at all, and
says so. Options: ``-b``/``--boot`` [``0``, ``-N``] (the current boot, or N boots before),
``-u``/``--unit UNIT`` (``.service`` added to a bare name), ``-o``/``--output``
``short`` or ``cat``, ``--no-pager`` and ``-q``/``--quiet``. Entries of several boots
are separated by a ``-- Boot ID --`` line, as journalctl prints them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from ..lab.journal import JournalEntry
from .base import Io
from .system import NotSimulated, System

_OFFSET = re.compile(r"[+-]?\d+")


def journalctl_main(argv: Sequence[str], io: Io, system: System) -> int:
    machine = getattr(system, "machine", None)
    if machine is None:
        raise NotSimulated("journalctl outside a lab machine")
    journal = machine.journal
    boot: int | None = None
    unit: str | None = None
    output, quiet, kernel = "short", False, False
    args = list(argv[1:])
    while args:
        option, value = _split(args.pop(0))
        if option in ("-u", "--unit", "-o", "--output") and value is None:
            if not args:
                raise NotSimulated(f"journalctl {option} without its argument")
            value = args.pop(0)
        if option in ("-b", "--boot") and value is None and args and _OFFSET.fullmatch(args[0]):
            value = args.pop(0)  # ``-b -1``: the offset may be the next word
        if option in ("-q", "--quiet"):
            quiet = True
        elif option == "--no-pager":
            pass  # never a pager: the output is not a terminal
        elif option in ("-k", "--dmesg"):
            kernel = True
        elif option in ("-b", "--boot"):
            boot = journal.boot + _offset(value or "0")
        elif option in ("-u", "--unit"):
            unit = value if "." in str(value) else f"{value}.service"
        elif option in ("-o", "--output") and value in ("short", "cat"):
            output = str(value)
        else:
            raise NotSimulated(f"journalctl {option}" + (f" {value}" if value else ""))
    if boot is not None and boot < 0:
        raise NotSimulated("journalctl -b of a boot before the lab started")
    if not journal.entries:
        # no boot service has logged: the machine has no journal files at all (the lab
        # machines run no journald; /var/log is their own)
        if not quiet:
            io.err("No journal files were found.\n")
            io.out("-- No entries --\n")
        return 0
    if kernel:
        raise NotSimulated("journalctl -k with a journal (the kernel's lines are in dmesg)")
    entries = [
        e for e in journal.entries
        if (boot is None or e.boot == boot) and (unit is None or e.unit == unit)
    ]  # fmt: skip
    shown: int | None = None
    for entry in entries:
        if shown is not None and entry.boot != shown and output == "short":
            io.out(f"-- Boot {journal.boot_id(entry.boot)} --\n")
        shown = entry.boot
        io.out(entry.message + "\n" if output == "cat" else _short(entry, machine.name))
    if not entries and not quiet:
        io.out("-- No entries --\n")
    return 0


def _split(arg: str) -> tuple[str, str | None]:
    """``--unit=X`` and ``-uX`` into the option and its value."""
    if arg.startswith("--") and "=" in arg:
        option, _, value = arg.partition("=")
        return option, value
    if arg[:2] in ("-u", "-o", "-b") and len(arg) > 2:
        return arg[:2], arg[2:]
    return arg, None


def _offset(text: str) -> int:
    if not _OFFSET.fullmatch(text) or int(text) > 0:
        raise NotSimulated(f"journalctl -b {text}")
    return int(text)


def _short(entry: JournalEntry, host: str) -> str:
    """``Nov 14 22:13:20 vm netfilter-persistent[1010]: text`` (the machines run in UTC)."""
    stamp = time.strftime("%b %d %H:%M:%S", time.gmtime(entry.realtime))
    return f"{stamp} {host} {entry.identifier}[{entry.pid}]: {entry.message}\n"
