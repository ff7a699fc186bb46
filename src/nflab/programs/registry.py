"""The programs a simulated machine can run, by the name they are called by.

Entries name ``module:function`` and are imported on first use, so a
program whose module is still being written shows up as "not simulated"
(a clear error at the command's line) instead of breaking every lab.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from .base import Io
from .system import NotSimulated, Program, System

_IPTABLES = "nflab.programs.iptables:iptables_main"
_SAVE = "nflab.programs.iptables_save:iptables_save_main"
_RESTORE = "nflab.programs.registry:iptables_restore"

PROGRAMS: dict[str, str] = {
    "iptables": _IPTABLES,
    "iptables-nft": _IPTABLES,
    "iptables-legacy": _IPTABLES,
    "iptables-save": _SAVE,
    "iptables-nft-save": _SAVE,
    "iptables-legacy-save": _SAVE,
    "iptables-restore": _RESTORE,
    "iptables-nft-restore": _RESTORE,
    "iptables-legacy-restore": _RESTORE,
    "sh": "nflab.programs.sh:sh_main",
    "dash": "nflab.programs.sh:sh_main",
    "bash": "nflab.programs.sh:bash_main",
    "sudo": "nflab.programs.sh:sudo_main",
    "echo": "nflab.programs.printing:echo_main",
    "printf": "nflab.programs.printing:printf_main",
    "true": "nflab.programs.printing:true_main",
    "false": "nflab.programs.printing:false_main",
    "cat": "nflab.programs.textutils:cat_main",
    "head": "nflab.programs.textutils:head_main",
    "tail": "nflab.programs.textutils:tail_main",
    "wc": "nflab.programs.textutils:wc_main",
    "sort": "nflab.programs.sorting:sort_main",
    "ls": "nflab.programs.ls:ls_main",
    "grep": "nflab.programs.grep:grep_main",
    "ip": "nflab.programs.ip:ip_main",
    "sysctl": "nflab.programs.sysctl:sysctl_main",
    "dmesg": "nflab.programs.dmesg:dmesg_main",
    "journalctl": "nflab.programs.journalctl:journalctl_main",
    "conntrack": "nflab.programs.conntrack:conntrack_main",
    "nc": "nflab.programs.nc:nc_main",
    "netcat": "nflab.programs.nc:nc_main",
    "test-iptables-server": "nflab.programs.test_iptables_server:server_main",
    "curl": "nflab.programs.curl:curl_main",
    "ping": "nflab.programs.ping:ping_main",
    "python3": "nflab.programs.http_server:python3_main",
    "python3.11": "nflab.programs.http_server:python3_main",
    "tcpdump": "nflab.programs.tcpdump:tcpdump_main",
    "xtables-monitor": "nflab.programs.xtables_monitor:xtables_monitor_main",
}

# Where Debian keeps programs: ``/usr/sbin/iptables`` runs iptables.
BIN_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin")


def find_program(name: str) -> Program | None:
    """The program called ``name`` (a bare name or a path in a bin directory), or None."""
    directory, _, base = name.rpartition("/")
    if directory and directory not in BIN_DIRS:
        return None
    spec = PROGRAMS.get(base)
    if spec is None:
        return None
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise
        return _missing(base)
    program: Program = getattr(module, attr)
    return program


def iptables_restore(argv: Sequence[str], io: Io, system: System) -> int:
    """iptables-restore reading a file operand from the machine's files."""
    from .iptables_restore import iptables_restore_main

    def read_file(name: str) -> str:
        return system.fs.read(system.fs.resolve(name, system.cwd))

    return iptables_restore_main(argv, io, system, read_file)


def _missing(name: str) -> Program:
    def program(argv: Sequence[str], io: Io, system: System) -> int:
        raise NotSimulated(f"the program `{name}'")

    return program
