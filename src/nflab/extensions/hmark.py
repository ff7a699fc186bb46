"""``-j HMARK`` (libxt_HMARK.c, kernel xt_HMARK.c): set the nfmark from a hash of the
packet's (or its connection's) addresses, ports and protocol.

``mark = reciprocal_scale(jhash(...), mod) + offset``; addresses are masked by
the prefixes, ports by the port masks and OR-ed with the port values, and both
pairs are put in a fixed order so both directions of a flow hash alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.addresses import prefix_of
from ..iptables.errors import KernelRejected, ParameterProblem
from ..iptables.extension import RuleContext, Show, TargetExtension, register
from ..iptables.xtoptions import Call, Opt, OptType, generic_parse
from ..netfilter.ctview import ConnView, CtDir
from ..netfilter.jhash import jhash_3words, reciprocal_scale
from ..netfilter.skb import Env, Skb, XtVerdict
from ..packet.headers import IPPROTO_ICMP, Packet

_ALL = 0xFFFFFFFF
# --hmark-tuple words: the flag each sets (an option id, so a later option is "used twice")
_TUPLE_WORDS = (
    ("ct", "ct"),
    ("src", "hmark-src-prefix"),
    ("dst", "hmark-dst-prefix"),
    ("sport", "hmark-sport-mask"),
    ("dport", "hmark-dport-mask"),
    ("proto", "hmark-proto-mask"),
    ("spi", "hmark-spi-mask"),
)
_PKT_FLAGS = {
    "hmark-src-prefix",
    "hmark-dst-prefix",
    "hmark-spi-mask",
    "hmark-sport-mask",
    "hmark-dport-mask",
    "hmark-proto-mask",
    "hmark-sport",
    "hmark-dport",
    "hmark-spi",
}
# proto_ports_offset: where the 32 bits hashed as "ports" start in the L4 header
_PORTS_OFFSET = {6: 0, 17: 0, 33: 0, 50: 0, 132: 0, 136: 0, 51: 4}


@dataclass(frozen=True, slots=True)
class Hmark:
    """``struct xt_hmark_info``; ``flags`` names the options in effect (the XT_HMARK_*
    bits), ``port_mask``/``port_set`` hold the port pair (or SPI) as one big-endian u32."""

    flags: frozenset[str]
    src_mask: int = 0
    dst_mask: int = 0
    port_mask: int = 0
    port_set: int = 0
    proto_mask: int = 0
    hashrnd: int = 0
    hmodulus: int = 0
    hoffset: int = 0


def _put16(word: int, value: int, high: bool) -> int:
    """Store one 16-bit half of a big-endian port pair (the union's ``p16.src``/``dst``)."""
    return (word & 0xFFFF) | (value << 16) if high else (word & 0xFFFF0000) | value


class _Parsing:
    """Updates of one option to the info being built (``HMARK_parse``)."""

    @staticmethod
    def tuple_words(call: Call) -> None:
        arg = call.arg or ""
        words = arg.split(",")
        for i, word in enumerate(words):
            rest = ",".join(words[i:])
            if i == len(words) - 1 and not word:
                raise ParameterProblem(
                    '"--hmark-tuple" requires a list of types with no spaces, e.g. '
                    "src,dst,sport,dport,proto"
                )
            # each word may abbreviate a type name, whatever its case
            found = next(
                (key for name, key in _TUPLE_WORDS if word and name.startswith(word.lower())), None
            )
            if found is None:
                raise ParameterProblem(f'Bad type "{rest}"')
            _Parsing.tuple_word(call.data, found)
            call.seen.add(found)

    @staticmethod
    def tuple_word(d: dict[str, Any], key: str) -> None:
        if key == "hmark-src-prefix":
            d["src_mask"] = _ALL
        elif key == "hmark-dst-prefix":
            d["dst_mask"] = _ALL
        elif key == "hmark-sport-mask":
            d["port_mask"] = _put16(d["port_mask"], 0xFFFF, True)
        elif key == "hmark-dport-mask":
            d["port_mask"] = _put16(d["port_mask"], 0xFFFF, False)
        elif key == "hmark-proto-mask":
            d["proto_mask"] = 0xFFFF
        elif key == "hmark-spi-mask":
            d["port_mask"] = _ALL
        d["flags"] = d["flags"] | {key}


@register
class HmarkTarget(TargetExtension):
    name = "HMARK"
    options = (
        Opt("hmark-tuple", OptType.STRING),
        Opt("hmark-src-prefix", OptType.PLENMASK),
        Opt("hmark-dst-prefix", OptType.PLENMASK),
        Opt("hmark-sport-mask", OptType.UINT16),
        Opt("hmark-dport-mask", OptType.UINT16),
        Opt("hmark-spi-mask", OptType.UINT32),
        Opt("hmark-sport", OptType.UINT16),
        Opt("hmark-dport", OptType.UINT16),
        Opt("hmark-spi", OptType.UINT32),
        Opt("hmark-proto-mask", OptType.UINT16),
        Opt("hmark-rnd", OptType.UINT32),
        Opt("hmark-mod", OptType.UINT32, min=1, mand=True),
        Opt("hmark-offset", OptType.UINT32),
    )

    def new_state(self) -> dict[str, Any]:
        return {
            "flags": frozenset(),
            "src_mask": 0,
            "dst_mask": 0,
            "port_mask": 0,
            "port_set": 0,
            "proto_mask": 0,
            "hashrnd": 0,
            "hmodulus": 0,
            "hoffset": 0,
        }

    def parse(self, call: Call) -> None:
        generic_parse(call)
        d, key, v = call.data, call.opt.id, call.value
        if key == "hmark-tuple":
            _Parsing.tuple_words(call)
            return
        if key in ("hmark-src-prefix", "hmark-dst-prefix"):
            d["src_mask" if key == "hmark-src-prefix" else "dst_mask"] = v[1]
        elif key in ("hmark-sport-mask", "hmark-dport-mask"):
            d["port_mask"] = _put16(d["port_mask"], v, key == "hmark-sport-mask")
        elif key in ("hmark-sport", "hmark-dport"):
            d["port_set"] = _put16(d["port_set"], v, key == "hmark-sport")
        elif key == "hmark-spi-mask":
            d["port_mask"] = v
        elif key == "hmark-spi":
            d["port_set"] = v
        else:
            field_name = {
                "hmark-proto-mask": "proto_mask",
                "hmark-rnd": "hashrnd",
                "hmark-mod": "hmodulus",
                "hmark-offset": "hoffset",
            }[key]
            d[field_name] = v
        d["flags"] = d["flags"] | {key}

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Hmark:
        """``HMARK_check``."""
        if "hmark-mod" not in seen:
            raise ParameterProblem("--hmark-mod is mandatory")
        if "hmark-rnd" not in seen:
            raise ParameterProblem("--hmark-rnd is mandatory")
        if "hmark-spi-mask" in seen and seen & {"hmark-sport-mask", "hmark-dport-mask"}:
            raise ParameterProblem(
                "you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time"
            )
        if not seen & (_PKT_FLAGS | {"ct"}):
            raise ParameterProblem("you have to specify --hmark-tuple at least")
        return Hmark(**data)

    def print(self, value: Hmark, show: Show) -> str:
        f = value.flags
        out = " HMARK "
        out += f"mod {value.hmodulus} " if "hmark-mod" in f else ""
        out += f"+ 0x{value.hoffset:x} " if "hmark-offset" in f else ""
        out += "ct, " if "ct" in f else ""
        for key, mask in (
            ("hmark-src-prefix", value.src_mask),
            ("hmark-dst-prefix", value.dst_mask),
        ):
            if key in f:
                out += f"{key.removeprefix('hmark-')} {_cidr(mask) & _ALL} "
        for key, text in self._ports(value, "{:x}", "{:x}"):
            out += f"{key.removeprefix('hmark-')} 0x{text} "
        return out

    def save(self, value: Hmark, show: Show) -> str:
        f = value.flags
        out = ""
        for key, mask in (
            ("hmark-src-prefix", value.src_mask),
            ("hmark-dst-prefix", value.dst_mask),
        ):
            if key in f:
                out += f" --{key} {_cidr(mask)}"
        for key, text in self._ports(value, "{:04x}", "{:08x}", proto="{:02x}"):
            out += f" --{key} 0x{text}"
        out += f" --hmark-mod {value.hmodulus}" if "hmark-mod" in f else ""
        out += f" --hmark-offset {value.hoffset}" if "hmark-offset" in f else ""
        return out + (" --hmark-tuple ct" if "ct" in f else "")

    @staticmethod
    def _ports(value: Hmark, fmt16: str, fmt32: str, proto: str = "{:x}") -> list[tuple[str, str]]:
        """The mask/value options in print order, with their hex texts."""
        items = (
            ("hmark-sport-mask", fmt16, value.port_mask >> 16),
            ("hmark-dport-mask", fmt16, value.port_mask & 0xFFFF),
            ("hmark-spi-mask", fmt32, value.port_mask),
            ("hmark-sport", fmt16, value.port_set >> 16),
            ("hmark-dport", fmt16, value.port_set & 0xFFFF),
            ("hmark-spi", fmt32, value.port_set),
            ("hmark-proto-mask", proto, value.proto_mask),
            ("hmark-rnd", fmt32, value.hashrnd),
        )
        return [(key, fmt.format(v)) for key, fmt, v in items if key in value.flags]

    def check(self, value: Hmark, rule: RuleContext) -> None:
        """``hmark_tg_check``."""
        if not value.hmodulus:
            raise KernelRejected("EINVAL", "invalid hash modulus")
        f = value.flags
        if "hmark-spi-mask" in f and f & {"hmark-sport-mask", "hmark-dport-mask"}:
            raise KernelRejected("EINVAL", "spi-mask and port-mask can't be combined")
        if "hmark-spi" in f and f & {"hmark-sport", "hmark-dport"}:
            raise KernelRejected("EINVAL", "spi-set and port-set can't be combined")

    def target(self, value: Hmark, skb: Skb, env: Env) -> XtVerdict:
        """``hmark_tg_v4``: no usable tuple (untracked in ct mode) leaves the mark alone."""
        if "ct" in value.flags:
            found = _ct_tuple(value, skb.ct)
        else:
            found = _packet_tuple(value, skb.packet)
        if found is not None:
            src, dst, ports, proto = found
            if dst < src:
                src, dst = dst, src
            digest = jhash_3words(src, dst, ports, value.hashrnd) ^ (proto & value.proto_mask)
            skb.mark = (reciprocal_scale(digest, value.hmodulus) + value.hoffset) & _ALL
        return XtVerdict.CONTINUE


def _cidr(mask: int) -> int:
    """``xtables_ipmask_to_cidr``: -1 for a mask that is no prefix."""
    plen = prefix_of(mask)
    return -1 if plen is None else plen


def _ordered_ports(value: Hmark, ports: int) -> int:
    """``hmark_swap_ports``: masked, set, then the larger port in the high half."""
    word = (ports & value.port_mask) | value.port_set
    src, dst = word >> 16, word & 0xFFFF
    return (dst << 16) | src if dst > src else (src << 16) | dst


Tuple4 = tuple[int, int, int, int]


def _ct_tuple(value: Hmark, ct: ConnView | None) -> Tuple4 | None:
    """``hmark_ct_set_htuple``: original source and reply source (the real peer after NAT)."""
    if ct is None:
        return None
    orig, reply = ct.tuple(CtDir.ORIGINAL), ct.tuple(CtDir.REPLY)
    src = int(orig.src) & value.src_mask
    dst = int(reply.src) & value.dst_mask
    ports = 0
    if orig.proto != IPPROTO_ICMP:
        ports = _ordered_ports(value, (orig.sport << 16) | reply.sport)
    return src, dst, ports, orig.proto


def _packet_tuple(value: Hmark, packet: Packet) -> Tuple4:
    """``hmark_pkt_set_htuple_ipv4``: an ICMP error is hashed by the packet it quotes."""
    icmp = packet.icmp
    if icmp is not None and icmp.is_error and icmp.quoted is not None:
        packet = icmp.quoted
    ip = packet.ip
    src, dst = int(ip.src) & value.src_mask, int(ip.dst) & value.dst_mask
    if ip.proto == IPPROTO_ICMP or ip.frag_offset or ip.more_fragments:
        return src, dst, 0, ip.proto  # no ports: ICMP, and any fragment
    raw = _ports_bytes(packet)
    ports = _ordered_ports(value, int.from_bytes(raw, "big")) if raw is not None else 0
    return src, dst, ports, ip.proto


def _ports_bytes(packet: Packet) -> bytes | None:
    """The 4 bytes ``skb_copy_bits`` reads at ``proto_ports_offset`` (None: no such bytes)."""
    offset = _PORTS_OFFSET.get(packet.ip.proto)
    if offset is None:
        return None
    if packet.tcp is not None or packet.udp is not None:
        l4 = packet.tcp or packet.udp
        assert l4 is not None
        return l4.sport.to_bytes(2, "big") + l4.dport.to_bytes(2, "big")
    raw = packet.payload[offset : offset + 4]  # an L4 header nflab does not model (SCTP, ESP...)
    return raw if len(raw) == 4 else None
