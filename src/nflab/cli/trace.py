"""``nflab trace``: one machine from a rule set dump; trace packets, or replay a capture.

    nflab trace --ruleset DUMP --interfaces 'eth0=10.0.0.1/24,eth1=...' PACKET
    nflab trace --ruleset DUMP --interfaces ... --pcap FILE [--in IFACE]

Every mistake (a bad option value, a word of PACKET, a dump the restore
refuses, an unreadable capture) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

TRACE_HELP = """\
PACKET is: PROTO SRC[:PORT] > DST[:PORT] [in IFACE] [OPTION...], e.g.
  'tcp 192.0.2.1:40000 > 10.0.0.1:22 in eth0 syn'   (quote it: > is the shell's)
  tcp 192.0.2.1:40000 to 10.0.0.1:22 in eth0        (`to` needs no quotes)
Without `in IFACE` the machine itself sends the packet. Options: TCP flags
(syn ack fin rst psh urg, or syn,ack), echo-request, echo-reply, type N, code N,
id N, seq N, ttl N, tos N, len N, payload TEXT, mac MAC, mark N, established.
Several packets: separate them with `;` or give each as one quoted argument.
"""


def add_trace_command(commands: argparse._SubParsersAction) -> None:
    trace = commands.add_parser(
        "trace",
        help="trace packets through a rule set dump, or replay a capture",
        description="Build one simulated machine from an iptables-save dump and interface "
        "addresses, then trace PACKET through it (every hook, table, chain and rule, conntrack, "
        "NAT, and why it ended where it did), or replay a pcap capture through it.",
        epilog=TRACE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trace.add_argument("packet", nargs="*", metavar="PACKET", help="the packet(s) to trace")
    trace.add_argument("--ruleset", metavar="DUMP", help="an iptables-save file ('-': stdin)")
    trace.add_argument("--interfaces", metavar="SPEC", default="",
                       help="IF=ADDR/LEN,... the machine's interfaces (IF alone: no address)")
    trace.add_argument("--route", action="append", default=[], metavar="ROUTE",
                       help="a route as `ip route add` takes it, e.g. 'default via 10.0.0.254'")
    trace.add_argument("--sysctl", action="append", default=[], metavar="NAME=VALUE",
                       help="a setting (net.ipv4.ip_forward is 1 unless set to 0 here)")
    trace.add_argument("--legacy", action="store_true",
                       help="load the dump with iptables-legacy-restore (default: nft)")
    trace.add_argument("--pcap", metavar="FILE", help="replay this capture instead of PACKET")
    trace.add_argument("--in", dest="in_iface", metavar="IFACE",
                       help="with --pcap: every packet arrives on IFACE")
    trace.add_argument("-v", "--verbose", action="count", default=0,
                       help="also list every rule that did not match (--pcap: rules never hit)")
    trace.add_argument("--brief", action="store_true", help="diagrams and one line per packet")
    trace.add_argument("--json", action="store_true", help="JSON (docs/trace-schema.md)")
    trace.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text (auto: on a terminal)")


def normalise_argv(argv: Sequence[str]) -> list[str]:
    """``->`` between the addresses would look like an option to argparse: it means ``>``."""
    return [">" if word == "->" else word for word in argv]


def packet_text(words: Sequence[str]) -> str:
    """Words typed unquoted make one packet; quoted arguments (with spaces) one packet each."""
    if any(" " in w.strip() for w in words):
        return " ; ".join(words)
    return " ".join(words)


def run_trace(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..trace.offline import OfflineMachine, Setup, SetupError
    from ..trace.packetspec import SpecError, parse_packets

    try:
        if not args.pcap and not args.packet:
            raise SetupError("no PACKET given (e.g. 'tcp 192.0.2.1:40000 > 10.0.0.1:22 in eth0')")
        if args.pcap and args.packet:
            raise SetupError("give PACKET or --pcap FILE, not both")
        specs = parse_packets(packet_text(args.packet)) if args.packet else []
        setup = Setup(_read_ruleset(args.ruleset), args.ruleset or "-", args.interfaces,
                      args.route, args.sysctl, "legacy" if args.legacy else "nft")
        machine = OfflineMachine(setup)
        try:
            if args.pcap:
                return _replay(machine, args, setup.flavour, out)
            report = machine.trace(specs)
        finally:
            machine.close()
    except SpecError as problem:
        err.write(f"nflab trace: PACKET: {problem}\n")
        return 2
    except SetupError as problem:
        err.write(f"nflab trace: {problem}\n")
        return 2
    if args.json:
        from ..trace.jsonout import report_json

        out.write(json.dumps(report_json(report), indent=2) + "\n")
        return 0
    from ..trace.text import render_text

    level = 0 if args.brief else 1 + min(args.verbose, 1)
    colour = args.color == "always" or (args.color == "auto" and out.isatty())
    out.write("\n".join(render_text(report, level, colour)).rstrip("\n") + "\n")
    return 0


def _read_ruleset(name: str | None) -> str:
    from ..trace.offline import SetupError

    if not name:
        return ""
    try:
        if name == "-":
            return sys.stdin.read()
        return Path(name).read_text(encoding="utf-8")
    except OSError as error:
        raise SetupError(f"--ruleset {name}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SetupError(f"--ruleset {name}: not UTF-8 text") from None


def _replay(machine: object, args: argparse.Namespace, flavour: str, out: TextIO) -> int:
    from ..packet.pcap import decode_pcap
    from ..trace.offline import SetupError
    from ..trace.replay import replay, replay_json, replay_lines

    try:
        data = Path(args.pcap).read_bytes()
    except OSError as error:
        raise SetupError(f"--pcap {args.pcap}: {error.strerror}") from None
    try:
        capture = decode_pcap(data)
    except ValueError as error:
        raise SetupError(f"--pcap {args.pcap}: {error}") from None
    result = replay(machine, capture, args.in_iface, flavour)  # type: ignore[arg-type]
    if args.json:
        out.write(json.dumps(replay_json(result, args.pcap), indent=2) + "\n")
    else:
        out.write("\n".join(replay_lines(result, args.pcap, args.verbose > 0)) + "\n")
    return 0
