"""``-m sctp`` (libxt_sctp.c, kernel xt_sctp.c): ports and chunk types.

An old-API extension. Two 1.8.9 quirks are kept because they are what the
kernel receives: a chunk's flag filter is stored under the chunk's *index* in
the name table, not its type (right for DATA..SHUTDOWN_COMPLETE, which have
index == type; ``I_DATA:…`` filters end up on chunk type 15), and ``-L -n``
prints chunk types as ``0x%04X``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.ports import in_range, parse_port_range, print_ports, save_ports
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

# ``sctp_chunk_names``: name, chunk type, the flag letters (bit 7 first)
CHUNKS: tuple[tuple[str, int, str], ...] = (
    ("DATA", 0, "----IUBE"),
    ("INIT", 1, "--------"),
    ("INIT_ACK", 2, "--------"),
    ("SACK", 3, "--------"),
    ("HEARTBEAT", 4, "--------"),
    ("HEARTBEAT_ACK", 5, "--------"),
    ("ABORT", 6, "-------T"),
    ("SHUTDOWN", 7, "--------"),
    ("SHUTDOWN_ACK", 8, "--------"),
    ("ERROR", 9, "--------"),
    ("COOKIE_ECHO", 10, "--------"),
    ("COOKIE_ACK", 11, "--------"),
    ("ECN_ECNE", 12, "--------"),
    ("ECN_CWR", 13, "--------"),
    ("SHUTDOWN_COMPLETE", 14, "-------T"),
    ("I_DATA", 64, "----IUBE"),
    ("RE_CONFIG", 130, "--------"),
    ("PAD", 132, "--------"),
    ("ASCONF", 193, "--------"),
    ("ASCONF_ACK", 128, "--------"),
    ("FORWARD_TSN", 192, "--------"),
    ("I_FORWARD_TSN", 194, "--------"),
)
MATCH_TYPES = {"any": 1, "all": 2, "only": 4}  # SCTP_CHUNK_MATCH_*
ALL_CHUNKS = frozenset(range(256))
MAX_FLAG_INFO = 4  # XT_NUM_SCTP_FLAGS


@dataclass(frozen=True, slots=True)
class ChunkFlags:
    """``struct xt_sctp_flag_info``: ``chunktype`` is the name table index (see above)."""

    chunktype: int
    flag: int
    mask: int


@dataclass(frozen=True, slots=True)
class Sctp:
    """``struct xt_sctp_info``: ``flags``/``inv`` hold ``sport dport chunks``."""

    spts: tuple[int, int] = (0, 0)
    dpts: tuple[int, int] = (0, 0)
    flags: frozenset[str] = frozenset()
    inv: frozenset[str] = frozenset()
    match_type: str = ""
    chunkmap: frozenset[int] = frozenset()
    flag_info: tuple[ChunkFlags, ...] = ()


def _add_flag(infos: list[ChunkFlags], index: int, bit: int, is_set: bool) -> None:
    """``save_chunk_flag_info``."""
    for i, info in enumerate(infos):
        if info.chunktype == index:
            infos[i] = ChunkFlags(index, info.flag | (is_set << bit), info.mask | 1 << bit)
            return
    if len(infos) == MAX_FLAG_INFO:
        raise ParameterProblem(
            "Number of chunk types with flags exceeds currently allowed limit. Increasing "
            "this limit involves changing IPT_NUM_SCTP_FLAGS and recompiling both the kernel "
            "space and user space modules"
        )
    infos.append(ChunkFlags(index, is_set << bit, 1 << bit))


def parse_chunks(text: str) -> tuple[frozenset[int], tuple[ChunkFlags, ...]]:
    """``parse_sctp_chunk``: ``ALL``, ``NONE`` or ``NAME[:flags],...``."""
    if text.upper() == "ALL":
        return ALL_CHUNKS, ()
    if text.upper() == "NONE":
        return frozenset(), ()
    chunkmap: set[int] = set()
    infos: list[ChunkFlags] = []
    for word in (w for w in text.split(",") if w):
        name, colon, letters = word.partition(":")
        index = next((i for i, c in enumerate(CHUNKS) if c[0].upper() == name.upper()), None)
        if index is None:
            raise ParameterProblem(f"Unknown sctp chunk `{name}'")
        chunkmap.add(CHUNKS[index][1])
        valid = CHUNKS[index][2]
        for letter in letters if colon else "":
            pos = valid.find(letter.upper())
            if pos < 0:
                raise ParameterProblem(f"Invalid flags for chunk type {index}")
            _add_flag(infos, index, 7 - pos, letter.isupper())
    return frozenset(chunkmap), tuple(infos)


def _chunk_flags_text(chunk: int, info: ChunkFlags) -> str:
    valid = CHUNKS[chunk][2]
    out = ":" if info.mask else ""
    for bit in range(7, -1, -1):
        if info.mask & 1 << bit:
            letter = valid[7 - bit]
            out += letter if info.flag & 1 << bit else letter.lower()
    return out


def chunks_text(value: Sctp, numeric: bool) -> str:
    """``print_chunks``: `` all DATA:Be,INIT``, `` any NONE``, `` only ALL``."""
    out = f" {value.match_type}"
    if not value.chunkmap:
        return out + " NONE"
    if value.chunkmap == ALL_CHUNKS:
        return out + " ALL"
    texts = []
    for chunk in sorted(value.chunkmap):
        text = f"0x{chunk:04X}" if numeric else "".join(c[0] for c in CHUNKS if c[1] == chunk)
        for info in value.flag_info:
            if info.chunktype == chunk:
                text += _chunk_flags_text(chunk, info)
        texts.append(text)
    return f"{out} {','.join(texts)}"


def _raw(name: str, key: str) -> Opt:
    return Opt(name, OptType.STRING, key=key, raw=True)


@register
class SctpMatch(MatchExtension):
    name = "sctp"
    proto = 132
    options = (
        _raw("source-port", "sport"),
        _raw("sport", "sport"),
        _raw("destination-port", "dport"),
        _raw("dport", "dport"),
        _raw("chunk-types", "chunks"),
    )

    def parse(self, call: Call) -> None:
        d, key, arg = call.data, call.opt.id, call.arg or ""
        if key in call.seen:
            what = {"sport": "--source-port", "dport": "--destination-port"}.get(key, "--chunk-types")
            raise ParameterProblem(f"Only one `{what}' allowed")
        if key in ("sport", "dport"):
            d[key] = parse_port_range(arg, "sctp", call.names)
        else:
            cursor = call.cursor
            assert cursor is not None
            if cursor.optind >= len(cursor.argv) or cursor.argv[cursor.optind].startswith(("-", "!")):
                raise ParameterProblem("--chunk-types requires two args")
            if arg.lower() not in MATCH_TYPES:
                raise ParameterProblem('Match type has to be one of "ALL", "ANY" or "ONLY"')
            d["match_type"] = arg.lower()
            d["chunks"] = parse_chunks(cursor.argv[cursor.optind])
            cursor.take()
        if call.invert:
            d.setdefault("inv", set()).add(key)
        call.seen.add(key)

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Sctp:
        chunkmap, infos = data.get("chunks", (frozenset(), ()))
        return Sctp(
            spts=data.get("sport", (0, 0)),
            dpts=data.get("dport", (0, 0)),
            flags=frozenset(seen),
            inv=frozenset(data.get("inv", ())),
            match_type=data.get("match_type", ""),
            chunkmap=chunkmap,
            flag_info=infos,
        )

    def print(self, value: Sctp, show: Show) -> str:
        out = " sctp"
        if "sport" in value.flags:
            out += print_ports("spt", value.spts, "sport" in value.inv, show, "sctp")
        if "dport" in value.flags:
            out += print_ports("dpt", value.dpts, "dport" in value.inv, show, "sctp")
        if "chunks" in value.flags:
            out += (" !" if "chunks" in value.inv else "") + chunks_text(value, show.numeric)
        return out

    def save(self, value: Sctp, show: Show) -> str:
        out = ""
        if "sport" in value.flags:
            out += save_ports("--sport", value.spts, "sport" in value.inv)
        if "dport" in value.flags:
            out += save_ports("--dport", value.dpts, "dport" in value.inv)
        if "chunks" in value.flags:
            out += " !" if "chunks" in value.inv else ""
            out += " --chunk-types" + chunks_text(value, False)
        return out

    def check(self, value: Sctp, rule: RuleContext) -> None:
        """``sctp_mt_check``: at most four flag filters, known flags only."""
        if len(value.flag_info) > MAX_FLAG_INFO or not value.inv <= value.flags:
            raise KernelRejected("EINVAL")

    def matches(self, value: Sctp, skb: Skb, env: Env) -> bool:
        """``sctp_mt``: each given test, inverted when asked (``SCCHECK``)."""
        if skb.fragoff:
            return False
        header = skb.transport_header(12)
        if header is None:
            skb.hotdrop = True
            return False
        sport = int.from_bytes(header[0:2], "big")
        dport = int.from_bytes(header[2:4], "big")
        if "sport" in value.flags and in_range(sport, value.spts) == ("sport" in value.inv):
            return False
        if "dport" in value.flags and in_range(dport, value.dpts) == ("dport" in value.inv):
            return False
        if "chunks" in value.flags:
            hit = _match_chunks(value, skb.packet.payload)
            if hit is None:
                skb.hotdrop = True
                return False
            if hit == ("chunks" in value.inv):
                return False
        return True


def _flags_ok(value: Sctp, chunk_type: int, flags: int) -> bool:
    """``match_flags``: a chunk without a flag filter always passes."""
    for info in value.flag_info:
        if info.chunktype == chunk_type:
            return flags & info.mask == info.flag
    return True


def _match_chunks(value: Sctp, data: bytes) -> bool | None:
    """``match_packet``: walk the chunks after the 12-byte common header (None: malformed)."""
    pending = set(value.chunkmap)
    offset = 12
    while True:
        if offset + 4 > len(data):
            return None
        ctype, cflags = data[offset], data[offset + 1]
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        if length == 0:
            return None
        offset += (length + 3) & ~3
        if ctype in value.chunkmap:
            ok = _flags_ok(value, ctype, cflags)
            if value.match_type == "any" and ok:
                return True
            if value.match_type == "all" and ok:
                pending.discard(ctype)
            if value.match_type == "only" and not ok:
                return False
        elif value.match_type == "only":
            return False
        if offset >= len(data):
            break
    if value.match_type == "all":
        return not pending
    return value.match_type == "only"
