"""Tab completion for ``nflab shell``: machines, programs, ``lab#`` commands, iptables.

- at the start of a line: ``MACHINE#`` for each machine of the world, ``lab#``;
- after ``lab# ``: the lab commands; after ``lab# reboot``, machines; after
  ``lab# include``/``copy``, files; after ``lab# copy FILE``, ``MACHINE:``;
- after ``MACHINE# `` (and after ``sudo``, ``|``, ``;``, ``&&``): the programs a
  machine knows;
- in an ``iptables`` command line: its options (and those of the matches and
  targets named on the line), tables after ``-t``, chains after ``-A``/``-I``/``-L``...
  (the table's built-in chains and the machine's own user chains, live), targets after
  ``-j``/``-g``, matches after ``-m``, protocols after ``-p``, policies after ``-P CHAIN``.

:meth:`Completer.candidates` is a plain function of the line, for tests;
:meth:`Completer.install` plugs it into readline.
"""

from __future__ import annotations

import glob
import re
from typing import Any

from ..iptables.extension import MATCHES, TARGETS, load_all
from ..iptables.parse import MAIN_OPTIONS
from ..lab.world import World
from ..netfilter.tables import BUILTIN_CHAINS
from ..programs.registry import PROGRAMS
from ..transcript.parse import LAB_COMMANDS

DELIMITERS = " \t\n;|&<>"
_SEPARATOR = re.compile(r"\|\|?|&&|;")
IPTABLES = frozenset(n for n in PROGRAMS if n.startswith("iptables") and "save" not in n
                     and "restore" not in n)  # fmt: skip
SHORT_OPTIONS = ("-A", "-C", "-D", "-I", "-R", "-L", "-S", "-F", "-Z", "-N", "-X", "-E", "-P",
                 "-t", "-p", "-s", "-d", "-i", "-o", "-j", "-g", "-m", "-n", "-v", "-x", "-c")  # fmt: skip
CHAIN_OPTIONS = frozenset(("-A", "--append", "-C", "--check", "-D", "--delete", "-I", "--insert",
                           "-R", "--replace", "-L", "--list", "-S", "--list-rules", "-F", "--flush",
                           "-Z", "--zero", "-X", "--delete-chain", "-E", "--rename-chain", "-P",
                           "--policy"))  # fmt: skip
STANDARD_TARGETS = ("ACCEPT", "DROP", "RETURN")
PROTOCOLS = ("tcp", "udp", "icmp", "all", "sctp", "udplite", "esp", "ah")
PROTOCOL_MATCHES = ("tcp", "udp", "icmp", "sctp", "udplite", "esp", "ah")


class Completer:
    def __init__(self, world: World):
        self.world = world
        self._matches: list[str] = []

    # -- readline --------------------------------------------------------------------------

    def install(self, readline: Any) -> None:
        readline.set_completer_delims(DELIMITERS)
        readline.set_completer(self.complete)
        if "libedit" in (readline.__doc__ or ""):  # macOS's Python
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
        self._readline = readline

    def complete(self, text: str, state: int) -> str | None:
        """readline's completer: the ``state``-th candidate for the word being typed."""
        if state == 0:
            rl = self._readline
            line = rl.get_line_buffer()
            found = self.candidates(line[: rl.get_endidx()], rl.get_begidx())
            # Python's readline appends nothing to a completed word: the space is ours
            self._matches = [w if w.endswith((":", "/")) else w + " " for w in found]
        return self._matches[state] if state < len(self._matches) else None

    # -- what to offer ---------------------------------------------------------------------

    def candidates(self, line: str, begidx: int | None = None) -> list[str]:
        """Completions of the word that ends ``line`` (starting at ``begidx``, else after
        the last delimiter), sorted."""
        if begidx is None:
            begidx = max(line.rfind(c) for c in DELIMITERS) + 1
        head, word = line[:begidx], line[begidx:]
        machine, sep, command = head.partition("# ")
        if not sep:
            if head.strip():
                return []
            words = [f"{m}#" for m in self.world.machines] + ["lab#", "exit", "help"]
            return _starting(words, word)
        if machine.strip() == "lab":
            return _starting(self._lab(command.split(), word), word)
        words = _SEPARATOR.split(command)[-1].split()
        while words[:1] == ["sudo"] or words[:3] == ["ip", "netns", "exec"]:
            words = words[1:] if words[0] == "sudo" else words[4:]
        if not words:
            return _starting(PROGRAMS, word)
        if words[0].rpartition("/")[2] in IPTABLES:
            return _starting(self._iptables(machine.strip(), words, word), word)
        return []

    def _lab(self, words: list[str], word: str) -> list[str]:
        if not words:
            return list(LAB_COMMANDS)
        op = words[0]
        if op == "reboot" and len(words) == 1:
            return list(self.world.machines)
        if op in ("include", "copy") and len(words) == 1:
            return glob.glob(glob.escape(word) + "*")
        if op in ("connect", "copy") and len(words) in ((1, 2) if op == "connect" else (2,)):
            return [f"{m}:" for m in self.world.machines]
        return []

    def _iptables(self, machine: str, words: list[str], word: str) -> list[str]:
        load_all()
        prev = words[-1]
        table = _value_of(words, ("-t", "--table")) or "filter"
        if prev in ("-t", "--table"):
            return list(BUILTIN_CHAINS)
        if prev in CHAIN_OPTIONS:
            return self._chains(machine, words[0], table)
        if len(words) > 1 and words[-2] in ("-P", "--policy"):
            return ["ACCEPT", "DROP"]
        if prev in ("-j", "--jump", "-g", "--goto"):
            return [*STANDARD_TARGETS, *TARGETS, *self._chains(machine, words[0], table, user=True)]
        if prev in ("-m", "--match"):
            return list(MATCHES)
        if prev in ("-p", "--protocol"):
            return list(PROTOCOLS)
        if not word.startswith("-"):
            return []
        options = [*SHORT_OPTIONS, *(f"--{o.name}" for o in MAIN_OPTIONS)]
        for extension in self._extensions(words):
            options += [f"--{o.name}" for o in extension.options]
        return options

    def _chains(self, machine: str, program: str, table: str, user: bool = False) -> list[str]:
        """The table's built-in chains (unless ``user``) and the user chains it has now."""
        chains = [] if user else list(BUILTIN_CHAINS.get(table, ()))
        m = self.world.machines.get(machine)
        if m is not None:
            flavour = "legacy" if "legacy" in program else "nft"
            found = m.netfilter.ruleset(flavour).get(table)
            if found is not None:
                chains += [c for c in found.chains if c not in BUILTIN_CHAINS.get(table, ())]
        return chains

    @staticmethod
    def _extensions(words: list[str]) -> list[Any]:
        """The matches and targets a line names (``-p tcp`` loads the tcp match)."""
        found: list[Any] = []
        for option, value in zip(words, words[1:], strict=False):
            named = option in ("-m", "--match") or (option in ("-p", "--protocol") and value in PROTOCOL_MATCHES)
            if named and value in MATCHES:
                found.append(MATCHES[value])
            elif option in ("-j", "--jump") and value in TARGETS:
                found.append(TARGETS[value])
        return found


def _value_of(words: list[str], options: tuple[str, ...]) -> str | None:
    for option, value in zip(words, words[1:], strict=False):
        if option in options:
            return value
    return None


def _starting(words: Any, prefix: str) -> list[str]:
    return sorted({w for w in words if w.startswith(prefix)})
