"""Shared test builders: run iptables command strings on a fresh simulated namespace."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables import iptables_main
from nflab.programs.iptables_save import iptables_save_main


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Shell:
    """A namespace with iptables programs, driven by command lines as a user types them."""

    host: SimpleHost = field(default_factory=SimpleHost)

    def __call__(self, line: str, stdin: str = "") -> Result:
        argv = shlex.split(line)
        io = Io(stdin=stdin)
        program = argv[0]
        if "-save" in program:
            status = iptables_save_main(argv, io, self.host)
        elif "-restore" in program:
            from nflab.programs.iptables_restore import iptables_restore_main

            status = iptables_restore_main(argv, io, self.host)
        else:
            status = iptables_main(argv, io, self.host)
        return Result(status, io.stdout, io.stderr)

    def ok(self, line: str, stdin: str = "") -> str:
        result = self(line, stdin)
        assert result.status == 0, f"{line!r} failed ({result.status}): {result.err}"
        return result.out

    def rules(self, table: str = "filter", flavour: str = "iptables") -> list[str]:
        """The ``-S`` lines of a table."""
        return self.ok(f"{flavour} -t {table} -S").splitlines()
