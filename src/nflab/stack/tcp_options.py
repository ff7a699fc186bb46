"""TCP options and window arithmetic as Linux 6.x does them (``tcp_options_write``,
``tcp_select_initial_window``, ``tcp_parse_options``).

A SYN on a 1500-byte link says ``mss 1460,sackOK,TS val V ecr 0,nop,wscale W``
with window 64240; on lo ``mss 65495`` and window 65495. The window scale
follows the largest receive buffer (``tcp_rmem[2]``, ``rmem_max``): 7 for
the usual 6 MiB, 10 for this host's 32 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..packet.headers import TCP, TcpOption

EOL, NOP, MSS, WSCALE, SACK_PERM, TIMESTAMP = 0, 1, 2, 3, 4, 8
TCP_MAX_WSCALE = 14
IPV4_MAX_PMTU = 65535
HEADERS = 40  # IPv4 + TCP without options
TS_SIZE = 12  # NOP, NOP, timestamps: what every segment of a timestamped connection carries
# ``tcp_full_space`` of a fresh socket (tcp_rmem[1] 131072, half of it for data)
INITIAL_SPACE = 65536


@dataclass(frozen=True, slots=True)
class SynInfo:
    """What the peer's SYN or SYN-ACK announced."""

    mss: int | None = None
    wscale: int | None = None
    sack: bool = False
    ts: tuple[int, int] | None = None  # (val, ecr)


def parse(tcp: TCP) -> SynInfo:
    mss = wscale = None
    sack = False
    ts = None
    for opt in tcp.options:
        if opt.kind == MSS and len(opt.data) == 2:
            mss = int.from_bytes(opt.data, "big")
        elif opt.kind == WSCALE and len(opt.data) == 1:
            wscale = min(opt.data[0], TCP_MAX_WSCALE)  # the kernel clamps and warns
        elif opt.kind == SACK_PERM:
            sack = True
        elif opt.kind == TIMESTAMP and len(opt.data) == 8:
            ts = (int.from_bytes(opt.data[:4], "big"), int.from_bytes(opt.data[4:], "big"))
    return SynInfo(mss, wscale, sack, ts)


def timestamp(val: int, ecr: int) -> TcpOption:
    return TcpOption(
        TIMESTAMP, (val & 0xFFFFFFFF).to_bytes(4, "big") + (ecr & 0xFFFFFFFF).to_bytes(4, "big")
    )


def syn_options(
    mss: int, wscale: int | None, sack: bool, ts: tuple[int, int] | None
) -> tuple[TcpOption, ...]:
    """``tcp_options_write`` order: MSS, then SACK-permitted sharing a word with the
    timestamps (or two NOPs before it), then NOP and window scale."""
    opts = [TcpOption(MSS, mss.to_bytes(2, "big"))]
    if ts is not None:
        if sack:
            opts.append(TcpOption(SACK_PERM))
        opts.append(timestamp(*ts))
    elif sack:
        opts += [TcpOption(NOP), TcpOption(NOP), TcpOption(SACK_PERM)]
    if wscale is not None:
        opts += [TcpOption(NOP), TcpOption(WSCALE, bytes([wscale]))]
    return tuple(opts)


def segment_options(ts: tuple[int, int] | None) -> tuple[TcpOption, ...]:
    return () if ts is None else (TcpOption(NOP), TcpOption(NOP), timestamp(*ts))


def advertised_mss(mtu: int) -> int:
    """``ipv4_default_advmss``: the route's MTU minus the headers, at most 65535 - 40."""
    return min(mtu, IPV4_MAX_PMTU) - HEADERS


def initial_window(mss: int, space: int = INITIAL_SPACE) -> int:
    """``tcp_select_initial_window``: the space rounded down to whole segments."""
    if space > mss:
        space -= space % mss
    return min(space, 0xFFFF)


def window_scale(max_buffer: int) -> int:
    """The shift that lets the largest possible buffer be announced."""
    return max(0, min(max_buffer.bit_length() - 1 - 15, TCP_MAX_WSCALE))


def window_field(window: int, wscale: int) -> int:
    """The 16-bit window of a non-SYN segment (``tcp_select_window``: rounded up to the
    scale's granularity)."""
    unit = 1 << wscale
    return min((window + unit - 1) // unit, 0xFFFF)
