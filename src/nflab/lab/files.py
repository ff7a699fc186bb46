"""A machine's files: a dict of path → text, a set of directories, special files.

Binary content (a ``tcpdump -w`` capture, a copied-in file) is kept as text
too: the bytes that are not UTF-8 as surrogate escapes
(``bytes.decode("utf-8", "surrogateescape")``, the way Python carries
undecodable file names), so the text tools see what they would on Linux and
:meth:`Filesystem.read_bytes` gives the exact bytes back.

Only what the simulated programs need: read, write/append, create, list,
glob. Errors carry the errno the Linux system call would have returned, so
each program words them as it does on Linux (``cat: X: No such file or
directory``, ``sh: 1: cannot create X: Directory nonexistent``).

Special files (``/dev/null``, later ``/proc/sys/...``) are :class:`Device`
objects; a *provider* answers for a whole subtree whose files are computed
(the network layer mounts ``/proc/sys/net`` that way).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

ERRNO_TEXT = {
    "ENOENT": "No such file or directory",
    "EISDIR": "Is a directory",
    "ENOTDIR": "Not a directory",
    "EACCES": "Permission denied",
    "EEXIST": "File exists",
    "EINVAL": "Invalid argument",
    "EIO": "Input/output error",
    "EPERM": "Operation not permitted",
}


class FsError(Exception):
    """A failed file operation: ``errno`` is the symbolic name (``ENOENT``...)."""

    def __init__(self, errno: str, path: str):
        super().__init__(f"{path}: {ERRNO_TEXT.get(errno, errno)}")
        self.errno = errno
        self.path = path

    @property
    def strerror(self) -> str:
        return ERRNO_TEXT.get(self.errno, self.errno)


class Device(Protocol):
    """A special file whose content is computed (``/dev/null``, ``/proc/sys/...``).

    ``read`` and ``write`` raise :class:`FsError` for what the file refuses (EACCES,
    EINVAL...); ``writable`` False makes opening it for writing fail with EACCES.
    """

    @property
    def writable(self) -> bool: ...

    def read(self) -> str: ...

    def write(self, text: str) -> None: ...


class NullDevice:
    """``/dev/null``: reads as empty, swallows every write."""

    writable = True

    def read(self) -> str:
        return ""

    def write(self, text: str) -> None:
        return None


Provider = Callable[[str], Device | None]
"""Answers for paths of a subtree: the device at an absolute path, or None."""

DirProvider = Callable[[str], list[str] | None]
"""Answers for directories of a subtree: the names in the directory at a path, or None."""


@dataclass
class Filesystem:
    files: dict[str, str] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=lambda: {"/"})
    devices: dict[str, Device] = field(default_factory=dict)
    providers: list[Provider] = field(default_factory=list)
    dir_providers: list[DirProvider] = field(default_factory=list)
    # modification times (wall clock seconds) of the plain files, when ``clock`` is set
    mtimes: dict[str, float] = field(default_factory=dict)
    clock: Callable[[], float] | None = None

    # -- paths -------------------------------------------------------------------

    @staticmethod
    def resolve(path: str, cwd: str = "/") -> str:
        """The absolute, normalised form of ``path`` (no symlinks here)."""
        joined = posixpath.join(cwd, path)
        norm = posixpath.normpath(joined)
        return "/" + norm.lstrip("/")

    def _device(self, path: str) -> Device | None:
        if path in self.devices:
            return self.devices[path]
        for provider in self.providers:
            device = provider(path)
            if device is not None:
                return device
        return None

    def _provided_dir(self, path: str) -> list[str] | None:
        for provider in self.dir_providers:
            names = provider(path)
            if names is not None:
                return names
        return None

    def is_dir(self, path: str) -> bool:
        return path in self.dirs or self._provided_dir(path) is not None

    def with_mounts(self, providers: list[Provider], dir_providers: list[DirProvider]) -> Filesystem:
        """The same files seen with more computed subtrees on top (a process's /proc)."""
        return Filesystem(
            self.files, self.dirs, self.devices,
            [*providers, *self.providers], [*dir_providers, *self.dir_providers],
            self.mtimes, self.clock,
        )  # fmt: skip

    def is_file(self, path: str) -> bool:
        return path in self.files or self._device(path) is not None

    def exists(self, path: str) -> bool:
        return self.is_dir(path) or self.is_file(path)

    def is_writable(self, path: str) -> bool:
        """Whether opening an existing file for writing is allowed (its mode has ``w``)."""
        device = self._device(path)
        return path in self.files or (device is not None and getattr(device, "writable", True))

    def _check_parent(self, path: str) -> None:
        parent = posixpath.dirname(path)
        if parent in self.dirs:
            return
        # ENOTDIR when a component is a file, ENOENT when it is missing
        probe = parent
        while probe != "/" and probe not in self.dirs:
            if self.is_file(probe):
                raise FsError("ENOTDIR", path)
            probe = posixpath.dirname(probe)
        raise FsError("ENOENT", path)

    # -- reading and writing -------------------------------------------------------

    def read(self, path: str) -> str:
        device = self._device(path)
        if device is not None:
            return device.read()
        if path in self.files:
            return self.files[path]
        if self.is_dir(path):
            raise FsError("EISDIR", path)
        self._check_parent(path)
        raise FsError("ENOENT", path)

    def open_for_write(self, path: str, append: bool = False) -> None:
        """``open(O_CREAT | (O_APPEND or O_TRUNC))``: create or truncate now."""
        device = self._device(path)
        if device is not None:
            if not getattr(device, "writable", True):
                raise FsError("EACCES", path)
            return
        if self.is_dir(path):
            raise FsError("EISDIR", path)
        self._check_parent(path)
        if not append or path not in self.files:
            self.files[path] = ""
            self._touch(path)

    def append(self, path: str, text: str) -> None:
        """Write at the end of a file opened with :meth:`open_for_write`."""
        device = self._device(path)
        if device is not None:
            device.write(text)
            return
        self.files[path] = self.files.get(path, "") + text
        self._touch(path)

    def _touch(self, path: str) -> None:
        if self.clock is not None:
            self.mtimes[path] = self.clock()

    def mtime(self, path: str) -> float | None:
        """When a plain file was last written (``st_mtime``), None if not recorded."""
        return self.mtimes.get(path)

    def write(self, path: str, text: str) -> None:
        self.open_for_write(path)
        self.append(path, text)

    # -- bytes -----------------------------------------------------------------------

    def read_bytes(self, path: str) -> bytes:
        return self.read(path).encode("utf-8", "surrogateescape")

    def write_bytes(self, path: str, data: bytes) -> None:
        self.write(path, data.decode("utf-8", "surrogateescape"))

    def append_bytes(self, path: str, data: bytes) -> None:
        """Bytes at the end of a file opened with :meth:`open_for_write`; a character cut
        between two writes stays two escapes, which :meth:`read_bytes` joins again."""
        self.append(path, data.decode("utf-8", "surrogateescape"))

    def size(self, path: str) -> int:
        """``st_size`` of a plain file: its length in bytes."""
        return len(self.files[path].encode("utf-8", "surrogateescape"))

    def mkdir(self, path: str, parents: bool = False) -> None:
        if path in self.dirs:
            return
        if parents:
            parent = posixpath.dirname(path)
            if parent != path:
                self.mkdir(parent, parents=True)
        self._check_parent(path)
        if path in self.files:
            raise FsError("EEXIST", path)
        self.dirs.add(path)

    # -- listing -------------------------------------------------------------------

    def listdir(self, path: str) -> list[str]:
        provided = self._provided_dir(path)
        if provided is not None:
            return sorted(provided)
        if path not in self.dirs:
            raise FsError("ENOTDIR" if self.is_file(path) else "ENOENT", path)
        entries: set[str] = set()
        for name in _all(self.files, self.dirs, self.devices):
            if name != path and posixpath.dirname(name) == path:
                entries.add(posixpath.basename(name))
        return sorted(entries)

    def glob(self, pattern: str) -> list[str]:
        """Absolute pattern → matching paths, sorted (the shell's pathname expansion)."""
        parts = [p for p in pattern.split("/") if p]
        found = ["/"]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            next_found: list[str] = []
            for base in found:
                if not _has_magic(part):
                    candidate = posixpath.join(base, part)
                    if self.exists(candidate):
                        next_found.append(candidate)
                    continue
                if not self.is_dir(base):
                    continue
                for name in self.listdir(base):
                    if name.startswith(".") and not part.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(name, part):
                        candidate = posixpath.join(base, name)
                        if last or self.is_dir(candidate):
                            next_found.append(candidate)
            found = next_found
        return sorted(found)


def _has_magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def _all(files: Iterable[str], dirs: Iterable[str], devices: Iterable[str]) -> Iterable[str]:
    yield from files
    yield from dirs
    yield from devices
