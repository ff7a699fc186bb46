"""The ``iptables-save`` program, both flavours and all their names.

``iptables-save``/``iptables-nft-save`` (nf_tables) and ``iptables-legacy-save``
(``iptables-save.c`` / ``xtables-save.c`` of 1.8.9).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..iptables.flavour import VERSION, Flavour, flavour_of
from ..iptables.getopt import NON_OPTION, GetoptLong, LongOpt, glibc_complaint
from ..iptables.save import save_table
from ..netfilter.tables import BUILTIN_CHAINS, Ruleset, Table
from .base import Host, Io

_OPTIONS = (
    LongOpt("counters", 0, "c"),
    LongOpt("dump", 0, "d"),
    LongOpt("table", 1, "t"),
    LongOpt("modprobe", 1, "M"),
    LongOpt("file", 1, "f"),
    LongOpt("version", 0, "V"),
)
_NFT_OPTIONS = (  # xtables-save lists them in another order (ambiguity messages show it)
    LongOpt("counters", 0, "c"),
    LongOpt("version", 0, "V"),
    LongOpt("dump", 0, "d"),
    LongOpt("table", 1, "t"),
    LongOpt("modprobe", 1, "M"),
    LongOpt("file", 1, "f"),
)


def iptables_save_main(argv: Sequence[str], io: Io, host: Host, write_file: object = None) -> int:
    flavour, program = flavour_of(argv[0])
    longopts = _NFT_OPTIONS if flavour.is_nft else _OPTIONS
    cursor = GetoptLong(argv, "bcdt:M:f:V")
    counters = False
    dump = False
    table_name: str | None = None
    operands: list[str] = []
    while (found := cursor.next(longopts)) is not None:
        c = found.code
        if c == NON_OPTION:
            assert found.arg is not None
            operands.append(found.arg)  # glibc permutes operands to the end
        elif c == "b":
            io.err("-b/--binary option is not implemented\n")
        elif c == "c":
            counters = True
        elif c == "t":
            table_name = found.arg
        elif c == "M":
            pass  # no modules to load in a simulated kernel
        elif c == "d":
            if not flavour.is_nft:  # legacy dumps right away, with the options seen so far
                _output(host, io, flavour, program, table_name, counters)
                return 0
            dump = True
        elif c == "f":
            io.err("nflab: iptables-save -f is not supported yet; redirect the output instead\n")
            return 1
        elif c == "V":
            io.out(f"{program} v{VERSION} ({flavour.tag})\n")
            return 0
        else:
            io.err(f"{argv[0]}: {glibc_complaint(cursor, c, longopts)}\n")
            io.err(f"Look at manual page `{program}.8' for more information.\n")
            return 1
    if operands or cursor.optind < len(cursor.argv):
        io.err("Unknown arguments found on commandline\n")
        return 1
    status = _output(host, io, flavour, program, table_name, counters)
    return 0 if dump else status


def _output(
    host: Host, io: Io, flavour: Flavour, program: str, table_name: str | None, counters: bool
) -> int:
    ruleset = host.netfilter.ruleset(flavour.name)
    if table_name is not None and table_name not in BUILTIN_CHAINS:
        if flavour.is_nft:
            io.err(f"Table `{table_name}' does not exist\n")
        else:
            io.err(
                f"{program} v{VERSION} ({flavour.tag}): Cannot initialize: "
                "Table does not exist (do you need to insmod?)\n"
            )
        return 1
    tables = _tables(ruleset, flavour, table_name)
    when = host.now_ctime()
    text = []
    for table in tables:
        text.extend(save_table(table, flavour, host.names, when, counters, program))
    if text:
        io.out("\n".join(text) + "\n")
    if flavour.is_nft and host.netfilter.legacy.tables:
        # nft_check_xt_legacy, on stderr once the tables are out
        io.err("# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n")
    return 0


def _tables(ruleset: Ruleset, flavour: Flavour, name: str | None) -> list[Table]:
    """The tables to print: nft in its fixed order, legacy in kernel list order (newest
    first); a named table is printed even when absent (nft shows its built-in chains,
    legacy instantiates it)."""
    if name is None:
        return [ruleset.tables[t] for t in ruleset.saved_table_names()]
    if not flavour.is_nft:
        ruleset.instantiate(name)
    return [ruleset.view(name)]
