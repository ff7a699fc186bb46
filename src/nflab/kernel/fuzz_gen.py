"""Random cases for ``nflab fuzz``: an ``iptables-restore`` ruleset and a short packet flow.

A case depends only on (seed, number): ``case(seed, n)`` draws from its own
``random.Random``, so any divergence reproduces from the two numbers alone.
The machines: ``a`` (10.9.0.1, 10.9.0.3) sends to ``b`` (10.9.0.2, 10.9.0.4)
over ``eth0``; the ruleset is ``b``'s, its filter and nat tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from ipaddress import IPv4Address

from ..packet.headers import ICMP, TCP, UDP, IPv4, Packet, TcpFlags

A_ADDRS = ("10.9.0.1", "10.9.0.3")
B_ADDRS = ("10.9.0.2", "10.9.0.4")
_ADDRS = (
    "10.9.0.1", "10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.0/24", "10.9.0.0/30",
    "10.9.0.2/31", "10.0.0.0/8", "192.168.0.0/16", "10.9.0.128/25",
)  # fmt: skip
_PORTS = (22, 53, 80, 443, 8080, 1000)
_STATES = ("NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED")
_REJECTS = ("", " --reject-with icmp-port-unreachable", " --reject-with icmp-host-prohibited",
            " --reject-with icmp-admin-prohibited", " --reject-with icmp-net-unreachable")
_FLAGS = {
    "SYN": TcpFlags.SYN, "ACK": TcpFlags.ACK, "SYN,ACK": TcpFlags.SYN | TcpFlags.ACK,
    "RST": TcpFlags.RST, "FIN,ACK": TcpFlags.FIN | TcpFlags.ACK,
    "PSH,ACK": TcpFlags.PSH | TcpFlags.ACK,
}  # fmt: skip
SPORT_BASE = 20000  # each case its own source port (and ICMP id): no conntrack entry is shared


@dataclass(frozen=True)
class Case:
    seed: int
    number: int
    rules: str  # iptables-restore input for b
    packets: tuple[Packet, ...]  # what a sends, in order


def _port_spec(r: random.Random, sport: int) -> str:
    kind = r.random()
    if kind < 0.5:
        return str(r.choice(_PORTS))
    if kind < 0.7:
        low = r.choice((0, 1, 1000, 20000))
        return f"{low}:{r.choice([h for h in (1024, 30000, 65535) if h >= low])}"
    return str(sport) if kind < 0.85 else f"{r.choice(_PORTS)}:"


def _matches(r: random.Random, chain: str, sport: int, proto_ok: bool = True) -> str:
    parts: list[str] = []
    neg = lambda: "! " if r.random() < 0.15 else ""  # noqa: E731
    if r.random() < 0.3:
        parts.append(f"{neg()}-s {r.choice(_ADDRS)}")
    if r.random() < 0.3:
        parts.append(f"{neg()}-d {r.choice(_ADDRS)}")
    if r.random() < 0.25 and chain not in ("OUTPUT", "POSTROUTING"):
        parts.append(f"{neg()}-i {r.choice(('eth0', 'lo', 'eth+'))}")
    if r.random() < 0.2 and chain not in ("INPUT", "PREROUTING"):
        parts.append(f"{neg()}-o {r.choice(('eth0', 'lo'))}")
    if proto_ok and r.random() < 0.6:
        proto = r.choice(("tcp", "udp", "icmp"))
        parts.append(f"-p {proto}")
        if proto in ("tcp", "udp"):
            if r.random() < 0.5:
                parts.append(f"{neg()}--dport {_port_spec(r, sport)}")
            if r.random() < 0.3:
                parts.append(f"{neg()}--sport {_port_spec(r, sport)}")
            if proto == "tcp" and r.random() < 0.3:
                parts.append(r.choice(("--syn", "! --syn", "--tcp-flags SYN,ACK,RST ACK",
                                       "--tcp-flags ALL RST", "--tcp-flags FIN,ACK FIN,ACK")))
        elif r.random() < 0.5:
            parts.append(f"--icmp-type {r.choice(('echo-request', 'echo-reply', '8', 'any'))}")
    if r.random() < 0.3:
        states = ",".join(sorted(r.sample(_STATES, r.randint(1, 2)), key=_STATES.index))
        if r.random() < 0.5:
            parts.append(f"-m conntrack {neg()}--ctstate {states}")
        else:
            parts.append(f"-m state {neg()}--state {states}")
    if r.random() < 0.15:
        parts.append(f"-m mark {neg()}--mark {r.choice(('0x1', '0x2', '0x1/0x1', '0x0/0xff'))}")
    return " ".join(parts)


def _target(r: random.Random, chain: str, users: list[str]) -> str:
    below = [u for u in users if chain not in users or users.index(u) > users.index(chain)]
    choices = ["ACCEPT", "DROP", "REJECT", "", "MARK"]
    choices += ["RETURN"] if chain in users else []
    choices += ["JUMP", "GOTO"] if below else []
    target = r.choice(choices)
    if target == "":
        return ""
    if target == "REJECT":
        return "-j REJECT" + r.choice(_REJECTS)
    if target == "MARK":
        return f"-j MARK --set-xmark {r.choice(('0x1/0xffffffff', '0x2/0xffffffff', '0x1/0x1'))}"
    if target in ("JUMP", "GOTO"):
        return f"-{'j' if target == 'JUMP' else 'g'} {r.choice(below)}"
    return f"-j {target}"


def _filter(r: random.Random, sport: int) -> list[str]:
    users = [f"U{i}" for i in range(r.randint(0, 2))]
    lines = ["*filter"]
    lines += [f":{c} {r.choice(('ACCEPT', 'ACCEPT', 'DROP'))} [0:0]" for c in ("INPUT", "FORWARD")]
    lines += [f":OUTPUT {r.choice(('ACCEPT', 'ACCEPT', 'ACCEPT', 'DROP'))} [0:0]"]
    lines += [f":{u} - [0:0]" for u in users]
    for chain in ("INPUT", "OUTPUT", *users):
        for _ in range(r.randint(0, 4)):
            spec = " ".join(p for p in (_matches(r, chain, sport), _target(r, chain, users)) if p)
            lines.append(f"-A {chain} {spec}".rstrip())
    return [*lines, "COMMIT"]


def _nat(r: random.Random, sport: int) -> list[str]:
    lines = ["*nat"] + [f":{c} ACCEPT [0:0]" for c in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")]
    if r.random() < 0.3:
        port = r.choice(("", ":8080", ":22"))
        proto = r.choice(("-p tcp ", "-p udp ")) if port else ""
        lines.append(f"-A PREROUTING {proto}{_matches(r, 'PREROUTING', sport, not port)} "
                     f"-j DNAT --to-destination {r.choice(B_ADDRS)}{port}".replace("  ", " "))
    if r.random() < 0.3:
        target = r.choice(("-j MASQUERADE", f"-j SNAT --to-source {r.choice(B_ADDRS)}"))
        lines.append(f"-A POSTROUTING -o eth0 {target}")
    return [*lines, "COMMIT"]


def _packets(r: random.Random, number: int) -> tuple[Packet, ...]:
    src, dst = IPv4Address(r.choice(A_ADDRS)), IPv4Address(r.choice(B_ADDRS))
    sport = SPORT_BASE + number % 40000
    proto = r.choice(("tcp", "udp", "icmp"))
    dport = r.choice((*_PORTS, sport))
    out: list[Packet] = []
    for i in range(r.randint(1, 3)):
        payload = bytes(r.randrange(256) for _ in range(r.choice((0, 0, 4, 20))))
        if proto == "tcp":
            flags = _FLAGS[r.choice(list(_FLAGS)) if i or r.random() < 0.3 else "SYN"]
            ack = r.randrange(1, 1 << 32) if flags & TcpFlags.ACK else 0
            l4: TCP | UDP | ICMP = TCP(sport, dport, seq=1000 + i, ack=ack, flags=flags)
            n = 6
        elif proto == "udp":
            l4, n = UDP(sport, dport), 17
        else:
            l4, n = ICMP(r.choice((8, 8, 8, 0, 13)), 0, ident=number & 0xFFFF, seq=i + 1), 1
        out.append(Packet(IPv4(src, dst, n, ident=(number * 4 + i) & 0xFFFF), l4, payload))
    return tuple(out)


def case(seed: int, number: int) -> Case:
    r = random.Random(f"nflab-fuzz:{seed}:{number}")
    sport = SPORT_BASE + number % 40000
    rules = _filter(r, sport) + (_nat(r, sport) if r.random() < 0.5 else _empty_nat())
    return Case(seed, number, "\n".join(rules) + "\n", _packets(r, number))


def _empty_nat() -> list[str]:
    return ["*nat", *(f":{c} ACCEPT [0:0]" for c in ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")),
            "COMMIT"]
