"""netcat's command line: its getopt, usage and help texts, the options it keeps.

``getopt`` is glibc's (no long options, operands permuted to the end); an
unknown option or a missing argument is reported where it stands, after
the options before it were taken, as netcat handles each option in turn.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..stack.sockets import AF_UNSPEC, SOCK_DGRAM, SOCK_STREAM

OPTSTRING = "46bCDdFhI:i:klM:m:NnO:P:p:q:rSs:T:tUuV:vW:w:X:x:Zz"
INT_MAX = 2**31 - 1
USAGE = (
    "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n"
    "\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n"
    "\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n"
    "\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n"
    "\t  [destination] [port]\n"
)
_SUMMARY = (
    ("-4", "Use IPv4"), ("-6", "Use IPv6"), ("-b", "Allow broadcast"),
    ("-C", "Send CRLF as line-ending"), ("-D", "Enable the debug socket option"),
    ("-d", "Detach from stdin"), ("-F", "Pass socket fd"), ("-h", "This help text"),
    ("-I length", "TCP receive buffer length"),
    ("-i interval", "Delay interval for lines sent, ports scanned"),
    ("-k", "Keep inbound sockets open for multiple connects"),
    ("-l", "Listen mode, for inbound connects"), ("-M ttl", "Outgoing TTL / Hop Limit"),
    ("-m minttl", "Minimum incoming TTL / Hop Limit"),
    ("-N", "Shutdown the network socket after EOF on stdin"),
    ("-n", "Suppress name/port resolutions"), ("-O length", "TCP send buffer length"),
    ("-P proxyuser", "Username for proxy authentication"),
    ("-p port", "Specify local port for remote connects"),
    ("-q secs", "quit after EOF on stdin and delay of secs"),
    ("-r", "Randomize remote ports"), ("-S", "Enable the TCP MD5 signature option"),
    ("-s sourceaddr", "Local source address"), ("-T keyword", "TOS value"),
    ("-t", "Answer TELNET negotiation"), ("-U", "Use UNIX domain socket"),
    ("-u", "UDP mode"), ("-V rtable", "Specify alternate routing table"), ("-v", "Verbose"),
    ("-W recvlimit", "Terminate after receiving a number of packets"),
    ("-w timeout", "Timeout for connects and final net reads"),
    ("-X proto", 'Proxy protocol: "4", "5" (SOCKS) or "connect"'),
    ("-x addr[:port]", "Specify proxy address and port"), ("-Z", "DCCP mode"),
    ("-z", "Zero-I/O mode [used for scanning]"),
)  # fmt: skip


def _tabs(flag: str) -> str:
    """The help text's alignment: the descriptions start at the next tab stop but one."""
    return "\t\t" if len(flag) < 8 else "\t"


HELP = (
    "OpenBSD netcat (Debian patchlevel 1.219-1)\n"
    + USAGE
    + "\tCommand Summary:\n"
    + "".join(f"\t\t{flag}{_tabs(flag)}{text}\n" for flag, text in _SUMMARY)
    + "\tPort numbers can be individual or ranges: lo-hi [inclusive]\n"
)
NOT_SIMULATED = set("bCDFIiMmOPrSTtUWXxZ")


@dataclass
class Options:
    family: int = AF_UNSPEC
    listen: bool = False
    keep: bool = False
    verbose: bool = False
    numeric: bool = False
    udp: bool = False
    zero_io: bool = False
    shutdown: bool = False
    detach: bool = False
    timeout: int | None = None  # -w, seconds
    quit: int = -1  # -q, seconds (negative: never)
    source: str | None = None  # -s
    local_port: str | None = None  # -p

    @property
    def proto(self) -> str:
        return "udp" if self.udp else "tcp"

    @property
    def socktype(self) -> int:
        return SOCK_DGRAM if self.udp else SOCK_STREAM


def getopt(argv: Sequence[str], operands: list[str]) -> Iterator[tuple[str, str | None]]:
    """glibc's ``getopt`` (no long options, arguments permuted): options in order, ``?``
    or ``:`` with the option letter for an unknown one or a missing argument."""
    i = 1
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            operands.extend(argv[i:])
            return
        if not word.startswith("-") or word == "-":
            operands.append(word)
            continue
        j = 1
        while j < len(word):
            ch = word[j]
            j += 1
            at = OPTSTRING.find(ch)
            if ch == ":" or at < 0:
                yield "?", ch
                continue
            if not OPTSTRING.startswith(":", at + 1):
                yield ch, None
                continue
            if j < len(word):
                yield ch, word[j:]
            elif i < len(argv):
                yield ch, argv[i]
                i += 1
            else:
                yield ":", ch
            break
