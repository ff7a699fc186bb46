"""``ls`` (GNU coreutils 9.1) without a terminal: the names one per line.

Files named on the command line come first, then each directory's entries
(headed ``DIR:`` when there is more than one operand), sorted byte by byte
as in the C locale. ``-a`` adds the dot files and ``.``/``..``, ``-A`` the
dot files only. Long listings (``-l``) are not simulated: nflab's files
have no owners, modes or times to show.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lab.files import FsError
from .base import Io
from .gnu_getopt import NO_ARG
from .system import System, error
from .textutils import longopts, not_simulated, parse_or_usage

LS_LONG = longopts(("all", NO_ARG, "a"), ("almost-all", NO_ARG, "A"))


def ls_main(argv: Sequence[str], io: Io, system: System) -> int:
    parsed = parse_or_usage(argv, io, "1aA", LS_LONG, status=2)
    if isinstance(parsed, int):
        return parsed
    show = "visible"
    for code, _ in parsed.options:
        if code == "a":
            show = "all"
        elif code == "A":
            show = "almost"
        elif code != "1":
            raise not_simulated("ls", code)
    operands = list(parsed.operands) or ["."]
    fs = system.fs
    status = 0
    files: list[str] = []
    dirs: list[str] = []
    for name in operands:
        path = fs.resolve(name, system.cwd)
        if fs.is_dir(path):
            dirs.append(name)
        elif fs.exists(path):
            files.append(name)
        else:
            error(io, f"ls: cannot access '{name}': No such file or directory\n")
            status = 2
    out = [f"{name}\n" for name in sorted(files, key=str.encode)]
    for name in sorted(dirs, key=str.encode):
        try:
            entries = fs.listdir(fs.resolve(name, system.cwd))
        except FsError as err:
            error(io, f"ls: cannot open directory '{name}': {err.strerror}\n")
            status = 2
            continue
        if show == "visible":
            entries = [e for e in entries if not e.startswith(".")]
        elif show == "all":
            entries = [".", "..", *entries]
        if len(operands) > 1:  # a heading, after a blank line if anything came before
            out.append(("\n" if out else "") + f"{name}:\n")
        out.extend(f"{e}\n" for e in sorted(entries, key=str.encode))
    io.out("".join(out))
    return status
