"""Socket errors as Linux reports them: ``OSError(errno, strerror)``.

``OSError`` picks the matching subclass itself (``ConnectionRefusedError``
for ECONNREFUSED...), so programs catch what they would catch on Linux. A
timeout set with ``settimeout`` raises ``TimeoutError("timed out")`` as
Python's ``socket.timeout`` does.
"""

from __future__ import annotations

import errno
import os


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


def timed_out() -> TimeoutError:
    return TimeoutError("timed out")


def would_block(code: int = errno.EAGAIN) -> BlockingIOError:
    return BlockingIOError(code, os.strerror(code))
