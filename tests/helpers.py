"""Shared test builders: run iptables command strings on a fresh simulated namespace."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables import iptables_main
from nflab.programs.iptables_save import iptables_save_main


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str
    combined: str = ""  # both streams as one pipe receives them

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
        return Result(status, io.stdout, io.stderr, io.combined)

    def ok(self, line: str, stdin: str = "") -> str:
        result = self(line, stdin)
        assert result.status == 0, f"{line!r} failed ({result.status}): {result.err}"
        return result.out

    def rules(self, table: str = "filter", flavour: str = "iptables") -> list[str]:
        """The ``-S`` lines of a table."""
        return self.ok(f"{flavour} -t {table} -S").splitlines()


# -- matches evaluated on hand-made packets and conntrack entries ------------------


def parsed_match(rule: str, index: int = 0, table: str = "filter", chain: str = "INPUT") -> tuple:
    """The extension and canonical value of the ``index``-th match of ``iptables -A CHAIN RULE``."""
    from nflab.iptables.extension import find_match
    from nflab.iptables.names import Names
    from nflab.iptables.parse import parse_command

    cmd = parse_command(["iptables", "-t", table, "-A", chain, *shlex.split(rule)], Names())
    entry = cmd.rules[0].matches[index]
    ext = find_match(entry.name)
    assert ext is not None
    return ext, entry.value


def parsed_target(rule: str, table: str = "filter", chain: str = "INPUT") -> tuple:
    """The target extension and canonical value of ``iptables -t TABLE -A CHAIN RULE``."""
    from nflab.iptables.extension import find_target
    from nflab.iptables.names import Names
    from nflab.iptables.parse import parse_command

    cmd = parse_command(["iptables", "-t", table, "-A", chain, *shlex.split(rule)], Names())
    entry = cmd.rules[0].target
    ext = find_target(entry.name)
    assert ext is not None
    return ext, entry.value


def ip_packet(src: str = "10.0.0.1", dst: str = "10.0.0.2", sport: int = 1234, dport: int = 80,
              proto: str = "tcp", payload: bytes = b""):
    """A TCP or UDP packet (or a bare IP one for other ``proto``)."""
    from ipaddress import IPv4Address

    from nflab.packet.headers import TCP, UDP, IPv4, Packet

    number = {"tcp": 6, "udp": 17}.get(proto, 0)
    l4 = TCP(sport, dport) if proto == "tcp" else UDP(sport, dport) if proto == "udp" else None
    return Packet(IPv4(IPv4Address(src), IPv4Address(dst), number), l4, payload)


@dataclass(frozen=True)
class FakeTuple:
    """A conntrack tuple (``nflab.netfilter.ctview.CtTupleView``)."""

    src: object
    dst: object
    proto: int = 6
    sport: int = 0
    dport: int = 0


@dataclass
class FakeConn:
    """A conntrack entry as extensions see it (``nflab.netfilter.ctview.ConnView``)."""

    orig: FakeTuple
    reply: FakeTuple
    status: int = 0
    mark: int = 0
    labels: int = 0
    helper: str | None = None
    master: FakeConn | None = None
    expires: float = 100.0
    finished: bool = False
    packets: tuple[int, int] = (0, 0)
    bytes: tuple[int, int] = (0, 0)

    @classmethod
    def between(cls, src: str, dst: str, sport: int = 1234, dport: int = 80, proto: int = 6,
                **kw: object) -> FakeConn:
        from ipaddress import IPv4Address

        a, b = IPv4Address(src), IPv4Address(dst)
        return cls(FakeTuple(a, b, proto, sport, dport), FakeTuple(b, a, proto, dport, sport), **kw)

    def tuple(self, direction: int) -> FakeTuple:
        return self.reply if direction else self.orig

    def expires_in(self, now: float) -> float:
        return max(0.0, self.expires - now)

    def counters(self, direction: int) -> tuple[int, int]:
        return self.packets[direction], self.bytes[direction]


def assert_transcript(path: Path) -> int:
    """Run a transcript through the simulator: every command must run and match its
    recorded output (the diff is the failure message). Returns how many commands ran."""
    from nflab.transcript.report import render_diff
    from nflab.transcript.runner import run_transcript

    run = run_transcript(path)
    problems = [f"{o.command.where}: {o.error}" for o in run.errors]
    problems += [render_diff(o.command, o.actual) for o in run.failures]
    assert not problems, "\n".join(problems)
    return len(run.outcomes)
