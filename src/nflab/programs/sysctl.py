"""``sysctl`` (procps-ng 4.0.2): read and write the kernel parameters under /proc/sys.

It works on files, as the real program does: a key is a path under
``/proc/sys`` (dots and slashes swapped), read and written through the
machine's files, which show the namespace the program runs in. Only the
``net`` subtree is simulated; other keys are refused as not simulated.
Messages go through glibc's ``error()``: stdout is flushed first.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..iptables.getopt import (
    MISSING_ARG,
    NO_ARG,
    NON_OPTION,
    OPTIONAL_ARG,
    REQUIRED_ARG,
    UNKNOWN,
    GetoptLong,
    LongOpt,
    glibc_complaint,
)
from ..lab.files import FsError
from .base import Io
from .posix_regex import RegexError, compile_pattern
from .system import NotSimulated, System, error

PROC_PATH = "/proc/sys/"
NAME = "sysctl"
VERSION = "sysctl from procps-ng 4.0.2\n"
DEPRECATED = ("base_reachable_time", "retrans_time")
SIMULATED_TREES = ("net",)
REAL_TREES = ("abi", "crypto", "debug", "dev", "fs", "kernel", "user", "vm")

LONG = (
    LongOpt("all", NO_ARG, "a"), LongOpt("deprecated", NO_ARG, "deprecated"),
    LongOpt("dry-run", NO_ARG, "dry-run"), LongOpt("binary", NO_ARG, "b"),
    LongOpt("ignore", NO_ARG, "e"), LongOpt("names", NO_ARG, "N"),
    LongOpt("values", NO_ARG, "n"), LongOpt("load", OPTIONAL_ARG, "p"),
    LongOpt("quiet", NO_ARG, "q"), LongOpt("write", NO_ARG, "w"),
    LongOpt("system", NO_ARG, "system"), LongOpt("pattern", REQUIRED_ARG, "r"),
    LongOpt("help", NO_ARG, "h"), LongOpt("version", NO_ARG, "V"),
)  # fmt: skip

USAGE = """
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
"""


class _Exit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@dataclass
class Setting:
    key: str
    path: str
    value: str | None
    ignore_failure: bool = False
    glob_exclude: bool = False


@dataclass
class Sysctl:
    io: Io
    system: System
    print_name: bool = True
    print_newline: bool = True
    ignore_error: bool = False
    name_only: bool = False
    quiet: bool = False
    ignore_deprecated: bool = True
    dry_run: bool = False
    pattern: str | None = None
    preload: list[str] = field(default_factory=list)

    # -- messages ----------------------------------------------------------------------

    def warn(self, text: str) -> None:
        error(self.io, f"{NAME}: {text}\n")

    def slashdot(self, text: str, old: str, new: str) -> str:
        """Swap ``.`` and ``/`` from the first separator on, unless it is already ``new``
        (warning once about a repeated separator)."""
        first = re.search(r"[/.]", text)
        if first is None or text[first.start()] == new:
            return text
        out = list(text)
        warned = False
        for i in range(first.start(), len(text)):
            c = text[i]
            if c not in "/.":
                continue
            if not warned and text[i + 1 : i + 2] in ("/", "."):
                self.warn(f"separators should not be repeated: {text[i:]}")
                warned = True
            out[i] = new if c == old else old
        return "".join(out)

    # -- files -------------------------------------------------------------------------

    def _path(self, path: str) -> str:
        normal = posixpath.normpath(path)
        tree = normal[len(PROC_PATH) :].split("/", 1)[0] if normal.startswith(PROC_PATH) else ""
        if tree in REAL_TREES:
            raise NotSimulated(f"sysctl outside net. ({path})")
        return normal

    def _stat(self, path: str) -> str | None:
        """``stat``: "dir", "file" or None (ENOENT)."""
        fs = self.system.fs
        normal = self._path(path)
        if fs.is_dir(normal):
            return "dir"
        return "file" if fs.is_file(normal) else None

    def _writable(self, path: str) -> bool:
        return self.system.fs.is_writable(self._path(path))

    # -- reading -----------------------------------------------------------------------

    def read_setting(self, name: str) -> int:
        if not name:
            self.warn(f'"{name}" is an unknown key')
            return -1
        outname = self.slashdot(name, "/", ".")
        tmpname = PROC_PATH + self.slashdot(name, ".", "/")
        kind = self._stat(tmpname)
        if kind is None:
            if self.ignore_error:
                return 0
            self.warn(f"cannot stat {tmpname}: No such file or directory")
            return 1
        if kind == "dir":
            return self.display_all(tmpname + "/")
        if self.pattern is not None and not _matches(self.pattern, outname):
            return 0
        if self.name_only:
            self.io.out(outname + "\n")
            return 0
        try:
            text = self.system.fs.read(self._path(tmpname))
        except FsError as err:
            if err.errno == "EACCES":  # a write-only file (mode 0200): nothing to show
                return 0
            if err.errno != "EIO":  # ``stable_secret`` unset: silently a failure
                self.warn(f'reading key "{outname}"')
            return 1
        for line in text.splitlines(keepends=True):
            if self.print_name:
                self.io.out(f"{outname} = {line}" + ("" if line.endswith("\n") else "\n"))
            else:
                self.io.out(line if self.print_newline else line.rstrip("\n"))
        return 0

    def display_all(self, path: str) -> int:
        status = 0
        for name in self.system.fs.listdir(self._path(path)):
            if path == PROC_PATH and name not in SIMULATED_TREES:
                continue
            if self.ignore_deprecated and name in DEPRECATED:
                continue
            full = path + name
            if self._stat(full) == "dir":
                self.display_all(full + "/")  # (its status is not kept, as in procps)
            else:
                status |= self.read_setting(full[len(PROC_PATH) :])
        return status

    # -- writing -----------------------------------------------------------------------

    def parse_setting_line(self, where: str, line_no: int, line: str) -> Setting | None:
        key = line.lstrip()
        if len(key) < 2 or key[0] in "#;":
            return None
        if self.pattern is not None and not _matches(self.pattern, key):
            return None
        if "=" not in key:
            if key[0] != "-":
                self.warn(f"{where}({line_no}): invalid syntax, continuing...")
                return None
            key = key[1:].rstrip()
            return Setting(key, self._setting_path(key), None, glob_exclude=True)
        key, _, value = key.partition("=")
        ignore = key.startswith("-")
        key = (key[1:] if ignore else key).rstrip()
        return Setting(key, self._setting_path(key), value.strip(), ignore)

    def _setting_path(self, key: str) -> str:
        return PROC_PATH + self.slashdot(key, ".", "/")

    def write_setting(self, s: Setting) -> int:
        if s.value is None:
            raise NotSimulated("sysctl exclusion of a key (-KEY)")
        kind = self._stat(s.path)
        if kind is None:
            if self.ignore_error:
                return 0
            self.warn(f"cannot stat {s.path}: No such file or directory")
            return 1
        dotted = self.slashdot(s.path[len(PROC_PATH) :], "/", ".")
        if kind == "dir" or not self._writable(s.path):
            self.warn(f'setting key "{dotted}": Invalid argument')
            return 0
        if not self.dry_run:
            try:
                self.system.fs.write(self._path(s.path), s.value + "\n")
            except FsError as err:
                suffix = ", ignoring" if s.ignore_failure else ""
                self.warn(f'setting key "{dotted}"{suffix}: {err.strerror}')
                return 1
        if self.quiet and not self.dry_run:
            return 0
        if self.name_only:
            self.io.out(s.value + "\n")
        elif self.print_name:
            self.io.out(f"{dotted} = {s.value}\n")
        else:
            self.io.out(s.value + ("\n" if self.print_newline else ""))
        return 0

    def write_list(self, settings: list[Setting]) -> int:
        status = 0
        for s in settings:
            if s.glob_exclude:
                continue
            if any(c in s.path for c in "*?["):
                excluded = {o.path for o in settings}
                for path in self.system.fs.glob(posixpath.normpath(s.path)):
                    if path not in excluded:
                        status |= self.write_setting(Setting(s.key, path, s.value, s.ignore_failure))
            else:
                status |= self.write_setting(s)
        return status

    def load(self, name: str) -> tuple[list[Setting], int]:
        """``-p FILE``: the settings of a file (``-`` is standard input)."""
        if name == "-":
            text, self.io.stdin = self.io.stdin, ""
        else:
            try:
                text = self.system.fs.read(self.system.fs.resolve(name, self.system.cwd))
            except FsError as err:
                self.warn(f'cannot open "{name}": {err.strerror}')
                return [], 1
        settings = []
        for n, line in enumerate(text.splitlines(keepends=True), 1):
            if len(line) < 2:
                continue
            s = self.parse_setting_line(name, n, line)
            if s is not None:
                settings.append(s)
        return settings, 0


def _matches(pattern: str, text: str) -> bool:
    """``regcomp(REG_EXTENDED)`` + ``regexec``; an invalid pattern matches nothing."""
    try:
        regex, _ = compile_pattern(pattern, extended=True, fixed=False, ignore_case=False)
    except RegexError:
        return False
    return regex.search(text) is not None


def sysctl_main(argv: Sequence[str], io: Io, system: System) -> int:
    try:
        return _main(argv, io, system) & 0xFF
    except _Exit as done:
        return done.status


def _usage(io: Io, to_stderr: bool) -> None:
    if to_stderr:
        io.flush()
        io.err(USAGE)
        raise _Exit(1)
    io.out(USAGE)
    raise _Exit(0)


def _main(argv: Sequence[str], io: Io, system: System) -> int:
    if len(argv) < 2:
        _usage(io, to_stderr=True)
    run = Sysctl(io, system)
    write_mode = display_all = preload = False
    operands: list[str] = []
    cursor = GetoptLong(argv, "bneNwfp::qoxaAXr:Vdh")
    while (found := cursor.next(LONG)) is not None:
        code, arg = found.code, found.arg
        if code == NON_OPTION:
            assert arg is not None
            operands.append(arg)
        elif code in (UNKNOWN, MISSING_ARG):
            error(io, f"{argv[0]}: {glibc_complaint(cursor, code, LONG)}\n")
            _usage(io, to_stderr=False)
        elif code == "b":
            run.print_newline = run.print_name = False
        elif code == "n":
            run.print_name = False
        elif code == "e":
            run.ignore_error = True
        elif code == "N":
            run.name_only = True
        elif code == "w":
            write_mode = True
        elif code in ("f", "p"):
            preload = True
            if arg:
                run.preload.append(arg)
        elif code == "q":
            run.quiet = True
        elif code in ("a", "A", "X"):
            display_all = True
        elif code == "deprecated":
            run.ignore_deprecated = False
        elif code == "dry-run":
            run.dry_run = True
        elif code == "r":
            run.pattern = arg
        elif code == "V":
            io.out(VERSION)
            return 0
        elif code in ("d", "h"):
            _usage(io, to_stderr=False)
        elif code == "system":
            raise NotSimulated("sysctl --system")
    operands.extend(cursor.argv[cursor.optind :])
    if display_all:
        return run.display_all(PROC_PATH)
    if preload:
        files = run.preload or ([] if operands else ["/etc/sysctl.conf"])
        settings: list[Setting] = []
        for name in [*files, *operands]:
            loaded, status = run.load(name)
            if status:
                return status
            settings += loaded
        return run.write_list(settings)
    if not operands:
        error(io, f"{NAME}: no variables specified\nTry `{NAME} --help' for more information.\n")
        return 1
    if run.name_only and run.quiet:
        error(io, f"{NAME}: options -N and -q cannot coexist\nTry `{NAME} --help' for more information.\n")
        return 1
    status = 0
    for word in operands:
        if write_mode or "=" in word:
            setting = run.parse_setting_line("command line", 0, word)
            status |= run.write_setting(setting) if setting is not None else 1
        else:
            status += run.read_setting(word)
    return status
