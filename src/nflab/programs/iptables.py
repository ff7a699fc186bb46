"""The ``iptables`` program (``iptables``, ``iptables-nft``, ``iptables-legacy``).

argv in, text and an exit status out, as iptables 1.8.9 prints them.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from ..iptables.commands import Executor, Outcome
from ..iptables.errors import BadArgument, ExitStatus, TableError, TryHelp, XtablesError
from ..iptables.flavour import VERSION, Flavour, flavour_of
from ..iptables.names import AskingNames, Names
from ..iptables.parse import Cmd, parse_command
from .base import Host, Io


def format_xtables_error(err: XtablesError, flavour: Flavour, program: str, line: int = -1) -> str:
    """``xtables_exit_error``: prefix, message, then the status-specific trailer."""
    text = flavour.prefix(program) + err.message + "\n"
    if err.status == ExitStatus.PARAMETER_PROBLEM:
        text += try_help(program, line)
    elif err.status == ExitStatus.VERSION_PROBLEM:
        text += "Perhaps iptables or your kernel needs to be upgraded.\n"
    return text


def try_help(program: str, line: int = -1) -> str:
    """``exit_tryhelp``."""
    text = f"Error occurred at line: {line}\n" if line != -1 else ""
    return text + f"Try `{program} -h' or '{program} --help' for more information.\n"


def resolving_names(host: Host) -> Names:
    """The machine's names; on a lab machine, a lookup the files cannot answer also sends
    glibc's DNS queries (:mod:`.dns_stub`)."""
    if not hasattr(host, "ns") or getattr(host, "process", None) is None:
        return host.names
    from .dns_stub import ask_address, ask_name

    system: Any = host
    return AskingNames.of(
        host.names,
        lambda name: ask_name(system, name, socket.AF_INET),  # ``getaddrinfo`` with AF_INET
        lambda addr: ask_address(system, addr),
    )


def iptables_main(argv: Sequence[str], io: Io, host: Host) -> int:
    flavour, program = flavour_of(argv[0])
    ruleset = host.netfilter.ruleset(flavour.name)
    outcome = Outcome()
    names = resolving_names(host)
    try:
        warnings: list[str] = []
        try:
            cmd = parse_command(argv, names, warnings=warnings)
        finally:  # printed as they happen in C, before any error message
            for warning in warnings:
                io.err(warning + "\n")
        if cmd.version:
            io.out(f"{program} v{VERSION} ({flavour.tag})\n")
            return 0
        if cmd.help:
            io.out(f"{program} v{VERSION}\n\nUsage: {program} -[ACD] chain rule-specification [options]\n")
            return 0
        Executor(ruleset, flavour, names).run(cmd, outcome)
        if flavour.is_nft and cmd.command & (Cmd.LIST | Cmd.LIST_RULES) and host.netfilter.legacy.tables:
            # ``nft_check_xt_legacy``: the kernel has ip_tables tables too
            io.err("# Warning: iptables-legacy tables present, use iptables-legacy to see them\n")
    except BadArgument as bad:
        io.err(f"Bad argument `{bad.word}'\n" + try_help(program))
        return int(ExitStatus.PARAMETER_PROBLEM)
    except TryHelp as th:
        io.err(try_help(program))
        return int(th.status)
    except TableError as err:
        io.err(f"iptables: {err.message}\n")
        _print(io, outcome)  # what was printed before the failure (the -v echo) still comes out
        return int(err.status)
    except XtablesError as err:
        io.err(format_xtables_error(err, flavour, program))
        _print(io, outcome)
        return int(err.status)
    _print(io, outcome)
    return 0


def _print(io: Io, outcome: Outcome) -> None:
    for line in outcome.stdout:
        io.out(line + "\n")
