"""The ``iptables-save`` program (nft and legacy flavours)."""

from __future__ import annotations

from collections.abc import Sequence

from ..iptables.getopt import NON_OPTION, GetoptLong, LongOpt
from ..iptables.save import save_table
from ..netfilter.tables import BUILTIN_CHAINS
from .base import Host, Io

_OPTIONS = (
    LongOpt("binary", 0, "b"),
    LongOpt("counters", 0, "c"),
    LongOpt("dump", 0, "d"),
    LongOpt("table", 1, "t"),
    LongOpt("modprobe", 1, "M"),
    LongOpt("file", 1, "f"),
    LongOpt("version", 0, "V"),
)


def iptables_save_main(argv: Sequence[str], io: Io, host: Host, write_file: object = None) -> int:
    from ..iptables.flavour import VERSION, flavour_of

    flavour, program = flavour_of(argv[0])
    cursor = GetoptLong(argv, "bcdt:M:f:V")
    counters = False
    table_name: str | None = None
    while (found := cursor.next(_OPTIONS)) is not None:
        c = found.code
        if c == "b":
            io.err("-b/--binary option is not implemented\n")
        elif c == "c":
            counters = True
        elif c == "t":
            table_name = found.arg
        elif c in ("M", "d"):
            pass
        elif c == "f":
            io.err("nflab: iptables-save -f is not supported yet; redirect the output instead\n")
            return 1
        elif c == "V":
            io.out(f"{program} v{VERSION} ({flavour.tag})\n")
            return 0
        elif c == NON_OPTION:
            cursor.optind -= 1
            break
        else:
            io.err(f"Look at manual page `{program}.8' for more information.\n")
            return 1
    if cursor.optind < len(cursor.argv):
        io.err("Unknown arguments found on commandline\n")
        return 1
    ruleset = host.netfilter.ruleset(flavour.name)
    when = host.now_ctime()
    if table_name is not None:
        if table_name not in BUILTIN_CHAINS:
            if flavour.is_nft:
                return 0
            io.err(f"{program} v{VERSION} ({flavour.tag}): Cannot initialize: Table does not exist (do you need to insmod?)\n")
            return 1
        if not flavour.is_nft:
            ruleset.instantiate(table_name)
        names = [table_name] if table_name in ruleset.tables else []
    else:
        names = ruleset.saved_table_names()
    for name in names:
        for line in save_table(ruleset.tables[name], flavour, host.names, when, counters):
            io.out(line + "\n")
    return 0
