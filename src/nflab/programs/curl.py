"""``curl`` (Debian 12's 7.88.1) for plain HTTP: ``-s -S -m/--max-time -H --interface
--dns-interface -o -v -I -i -f -A -X --connect-timeout``.

Each URL is one transfer; a failed one prints ``curl: (N) MESSAGE`` unless
``-s`` without ``-S``, and the exit status is the last transfer's code:
6 (could not resolve host), 7 (failed to connect), 28 (timed out), 45
(``--interface`` could not bind), 52/56/18/1 (bad answers), 3 (bad URL),
2 for a command line curl refuses. Names come from the machine's
``/etc/hosts`` (see :mod:`nflab.programs.resolver`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Io
from .curl_options import ParamError, parse_args
from .curl_transfer import CurlError, Transfer
from .curl_url import UrlError, parse_url
from .net_context import socket_api, wall_clock
from .system import System

HELP_HINT = "curl: try 'curl --help' or 'curl --manual' for more information\n"


def curl_main(argv: Sequence[str], io: Io, system: System) -> int:
    try:
        config = parse_args(argv)
    except ParamError as err:
        where = f"option {err.option}: " if err.option and err.option != ":" else ""
        io.err(f"curl: {where}{err.reason}\n{HELP_HINT}")
        return 2
    if not config.urls:
        io.err(f"curl: no URL specified!\n{HELP_HINT}")
        return 2
    show_errors = not config.silent or config.show_error
    status = 0
    for index, text in enumerate(config.urls):
        output = config.outputs[index] if index < len(config.outputs) else None
        try:
            url = parse_url(text)
        except UrlError as err:
            if show_errors:
                io.err(f"curl: (3) {err}\n")
            status = 3
            continue
        transfer = Transfer(
            config, url, output, io, system, socket_api(system), lambda: wall_clock(system)
        )
        try:
            transfer.run()
            status = 0
        except CurlError as err:
            if show_errors:
                io.err(f"curl: ({err.code}) {err.message}\n")
            status = err.code
    return status
