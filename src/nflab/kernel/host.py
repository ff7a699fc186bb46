"""What kernel mode needs from this host: root, and the Debian programs the lab will call.

Checked before anything is created, so a run either starts with everything it
needs or refuses in one line that says what to do (``apt-get install ...``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterable, Iterator

# The PATH of a Debian root shell: what the lab machines' commands see (plus nflab's own bin).
MACHINE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Programs, by the Debian package that installs them.
PACKAGES: dict[str, str] = {
    **{name: "iptables" for name in (
        "iptables", "iptables-save", "iptables-restore",
        "iptables-nft", "iptables-nft-save", "iptables-nft-restore",
        "iptables-legacy", "iptables-legacy-save", "iptables-legacy-restore",
        "ip6tables", "ip6tables-save", "ip6tables-restore",
    )},
    "ip": "iproute2",
    "bridge": "iproute2",
    "ss": "iproute2",
    "nc": "netcat-openbsd",
    "conntrack": "conntrack",
    "tcpdump": "tcpdump",
    "curl": "curl",
    "ping": "iputils-ping",
    "sysctl": "procps",
    "python3": "python3",
    "dmesg": "util-linux",
    "nsenter": "util-linux",
    "unshare": "util-linux",
    "mount": "mount",
    "umount": "mount",
    "bash": "bash",
    "env": "coreutils",
}  # fmt: skip

# What nflab itself runs to build the machines, whatever the transcript says.
BACKEND_PROGRAMS = ("ip", "nsenter", "unshare", "mount", "umount", "bash", "env", "iptables-restore")

# Words after which the next word is again a program name.
_SEPARATORS = {"|", "||", "&&", ";", "&", "(", ")", "!", "{", "}", "then", "do", "else"}
_PREFIXES = {"sudo", "exec", "time", "nohup", "command"}
_FD_REDIRECTION = re.compile(r"\d*[<>]&(\d+-?|-)?|&>>?")


class KernelUnavailable(Exception):
    """Kernel mode cannot run on this host: the message says why, in one line."""


def require_root(euid: int) -> None:
    if euid != 0:
        raise KernelUnavailable(
            "kernel mode needs root: it creates network namespaces, veth pairs and mounts"
            " (run it with sudo)"
        )


def programs_in(line: str) -> Iterator[str]:
    """The programs a shell command line runs, as far as a plain reading tells (no expansion).

    Looks through ``sudo``, ``ip netns exec NS`` and ``sh -c '...'``; a line
    the shell lexer cannot split yields nothing (the shell will say why).
    """
    line = _FD_REDIRECTION.sub(" ", line)  # ``2>&1``: its ``&`` separates nothing
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return
    at_command = True
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in _SEPARATORS or set(word) <= set(";&|()"):
            at_command = True
            continue
        if not at_command or "=" in word.split("/")[0]:  # an argument, or VAR=value
            continue
        name = word.rpartition("/")[2]
        if name in _PREFIXES:
            continue
        at_command = False
        yield name
        rest = words[i:]
        if name == "ip" and rest[:2] in (["netns", "exec"], ["netns", "e"]) and len(rest) > 2:
            i += 3  # ip netns exec NS PROGRAM...
            at_command = True
        elif name in ("sh", "bash", "dash") and rest[:1] == ["-c"] and len(rest) > 1:
            yield from programs_in(rest[1])
            i += 2


def missing_programs(lines: Iterable[str], path: str = MACHINE_PATH) -> dict[str, str]:
    """Known programs the lines (and nflab itself) need that are not installed: name → package."""
    wanted = set(BACKEND_PROGRAMS)
    for line in lines:
        wanted.update(p for p in programs_in(line) if p in PACKAGES)
    missing = {p: PACKAGES[p] for p in sorted(wanted) if shutil.which(p, path=path) is None}
    nc = shutil.which("nc", path=path)
    if "nc" in wanted and nc is not None and "openbsd" not in os.path.realpath(nc):
        missing["nc"] = "netcat-openbsd (this nc is another netcat)"
    return missing


def require_programs(lines: Iterable[str], path: str = MACHINE_PATH) -> None:
    missing = missing_programs(lines, path)
    if missing:
        packages = sorted({p.split()[0] for p in missing.values()})
        names = ", ".join(f"{name} ({package})" for name, package in missing.items())
        raise KernelUnavailable(
            f"kernel mode needs programs this host lacks: {names};"
            f" install them with: apt-get install {' '.join(packages)}"
        )
