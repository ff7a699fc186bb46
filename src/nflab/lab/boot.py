"""What a machine's boot runs: Debian's ``netfilter-persistent`` service (iptables-persistent).

systemd starts ``netfilter-persistent.service`` (``ExecStart=/usr/sbin/netfilter-persistent
start``), which runs ``run-parts -v -a start /usr/share/netfilter-persistent/plugins.d``.
This module does what those scripts of Debian 12 (netfilter-persistent 1.0.20) do:

- ``15-ip4tables start``: with no regular file ``/etc/iptables/rules.v4`` it prints
  ``Warning: skipping IPv4 (no rules to load)``. Otherwise, when
  ``IPTABLES_TEST_RULESET=yes`` (the package's ``/etc/default/netfilter-persistent``
  says so), it first runs ``iptables-restore --test < /etc/iptables/rules.v4``; if that
  fails it prints ``Error: IPv4 rules failed test load. New rules NOT loaded`` and ends
  well: nothing is loaded, the tables stay empty. Then ``iptables-restore <
  /etc/iptables/rules.v4`` (``--noflush`` with ``IPTABLES_RESTORE_NOFLUSH=yes``); under
  ``set -e`` its failure is the plugin's exit status.
- ``25-ip6tables start``: nflab has no IPv6 firewall; the plugin runs and does nothing
  (``rules.v6`` is ignored), as the script does where IPv6 is off.
- run-parts prints ``run-parts: executing PLUGIN start`` before each plugin and
  ``run-parts: PLUGIN exited with return code N`` after a failing one (``-a``: it goes
  on), then exits 1; ``set -e`` makes the service fail with it.

Everything the service prints goes to the machine's journal (``journalctl -u
netfilter-persistent``), never to the transcript; systemd's own lines come around it.
``/etc/default/netfilter-persistent`` is sourced by the scripts: only its ``NAME=VALUE``
lines are understood here.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from ..programs.sh import run_command_line
from .context import Context
from .files import FsError
from .machine import Machine

UNIT = "netfilter-persistent.service"
DESCRIPTION = "netfilter persistent configuration"
PLUGINS = "/usr/share/netfilter-persistent/plugins.d"
DEFAULTS = "/etc/default/netfilter-persistent"
RULES_V4 = "/etc/iptables/rules.v4"
SYSTEMD_PID = 1

Log = Callable[[str], None]


def run_boot_services(machine: Machine) -> None:
    """Start the machine's services as systemd does at boot, logging to its journal."""
    journal = machine.journal

    def systemd(text: str) -> None:
        journal.log("systemd", SYSTEMD_PID, UNIT, text)

    systemd(f"Starting {UNIT} - {DESCRIPTION}...")
    pid = machine.scheduler.next_pid()
    status = netfilter_persistent_start(
        machine, lambda text: journal.log("netfilter-persistent", pid, UNIT, text)
    )
    if status == 0:
        systemd(f"Finished {UNIT} - {DESCRIPTION}.")
        return
    # netfilter-persistent exits 1 (run-parts' status, through ``set -e``)
    systemd(f"{UNIT}: Main process exited, code=exited, status={status}/FAILURE")
    systemd(f"{UNIT}: Failed with result 'exit-code'.")
    systemd(f"Failed to start {UNIT} - {DESCRIPTION}.")


def netfilter_persistent_start(machine: Machine, log: Log) -> int:
    """``netfilter-persistent start``: run-parts over the plugins; the exit status."""
    config = sourced(machine, DEFAULTS)
    failed = False
    for plugin, start in (("15-ip4tables", _ip4tables_start), ("25-ip6tables", _ip6tables_start)):
        path = f"{PLUGINS}/{plugin}"
        log(f"run-parts: executing {path} start\n")
        status = start(machine, config, log)
        if status:
            log(f"run-parts: {path} exited with return code {status}\n")
            failed = True
    return 1 if failed else 0


def _ip4tables_start(machine: Machine, config: dict[str, str], log: Log) -> int:
    noflush = " --noflush" if config.get("IPTABLES_RESTORE_NOFLUSH") == "yes" else ""
    if not machine.fs.is_file(RULES_V4):
        log("Warning: skipping IPv4 (no rules to load)\n")
        return 0
    if config.get("IPTABLES_TEST_RULESET") == "yes":
        status = _run(machine, f"iptables-restore --test{noflush} < {RULES_V4}", log)
        if status:
            log("Error: IPv4 rules failed test load. New rules NOT loaded\n")
            return 0
    return _run(machine, f"iptables-restore{noflush} < {RULES_V4}", log)


def _ip6tables_start(machine: Machine, config: dict[str, str], log: Log) -> int:
    return 0  # no IPv6 firewall in nflab: /etc/iptables/rules.v6 is not read


def _run(machine: Machine, line: str, log: Log) -> int:
    output, status = run_command_line(Context(machine), line)
    log(output)
    return status


def sourced(machine: Machine, path: str) -> dict[str, str]:
    """The variables ``. FILE`` would set, from its ``NAME=VALUE`` lines ({} without it)."""
    try:
        text = machine.fs.read(path)
    except FsError:
        return {}
    variables: dict[str, str] = {}
    for line in text.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if len(words) == 1 and "=" in words[0]:
            name, _, value = words[0].partition("=")
            if name.isidentifier():
                variables[name] = value
    return variables
