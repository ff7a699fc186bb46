"""Errors carrying iptables' exit statuses.

Library code raises these; only the program layer turns them into text.
The kinds mirror libxtables' ``enum xtables_exittype``: ``OTHER_PROBLEM`` (1),
``PARAMETER_PROBLEM`` (2), ``RESOURCE_PROBLEM`` (4, what iptables-nft returns
when the kernel rejects a batch).
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    OTHER_PROBLEM = 1
    PARAMETER_PROBLEM = 2
    VERSION_PROBLEM = 3
    RESOURCE_PROBLEM = 4


class XtablesError(Exception):
    """``xtables_error()``: ``PROG vVERSION (FLAVOUR): MESSAGE``.

    A parameter problem is followed by the ``Try `iptables -h'`` line.
    The message is kept exactly as the C code formats it (some carry their
    own trailing newline, which iptables prints too).
    """

    def __init__(self, message: str, status: ExitStatus = ExitStatus.PARAMETER_PROBLEM):
        super().__init__(message)
        self.message = message
        self.status = status


class ParameterProblem(XtablesError):
    def __init__(self, message: str):
        super().__init__(message, ExitStatus.PARAMETER_PROBLEM)


class OtherProblem(XtablesError):
    def __init__(self, message: str):
        super().__init__(message, ExitStatus.OTHER_PROBLEM)


class BadArgument(Exception):
    """A non-option word on the command line: ``Bad argument `X'`` (no program prefix)."""

    def __init__(self, word: str):
        super().__init__(word)
        self.word = word


class TryHelp(Exception):
    """Exit with only the ``Try ...`` line (``exit_tryhelp``), e.g. ``-6`` given to iptables."""

    def __init__(self, status: ExitStatus = ExitStatus.PARAMETER_PROBLEM):
        super().__init__()
        self.status = status


class TableError(Exception):
    """An error from the table layer (libiptc / nft cache), printed ``iptables: MESSAGE.``

    ``errno`` names the errno the legacy backend would have seen; the nft
    flavour maps some of them to its own texts (``CHAIN_DEL failed ...``).
    """

    def __init__(self, message: str, errno: str = "", status: ExitStatus = ExitStatus.OTHER_PROBLEM):
        super().__init__(message)
        self.message = message
        self.errno = errno
        self.status = status


class KernelRejected(Exception):
    """The kernel refused a rule (an extension's ``checkentry`` failed).

    ``errno`` is the symbolic error (``EINVAL``, ``ENOENT``, ...); ``dmesg`` is
    the kernel log line the real kernel would print, when it prints one.
    """

    def __init__(self, errno: str = "EINVAL", dmesg: str = ""):
        super().__init__(errno)
        self.errno = errno
        self.dmesg = dmesg


class Unsupported(XtablesError):
    """Something iptables accepts but nflab does not implement yet: never silently ignored."""

    def __init__(self, what: str):
        super().__init__(f"nflab does not support {what} yet", ExitStatus.OTHER_PROBLEM)


ERRNO_TEXT = {
    "EINVAL": "Invalid argument",
    "ENOENT": "No such file or directory",
    "EBUSY": "Device or resource busy",
    "EEXIST": "File exists",
    "ENOTEMPTY": "Directory not empty",
    "ELOOP": "Too many levels of symbolic links",
    "EOPNOTSUPP": "Operation not supported",
    "ENOMEM": "Cannot allocate memory",
    "ERANGE": "Numerical result out of range",
    "EPERM": "Operation not permitted",
    "ENOPROTOOPT": "Protocol not available",
}
