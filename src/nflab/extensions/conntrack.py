"""``-m conntrack`` (libxt_conntrack.c revision 3, kernel xt_conntrack.c).

Also the home of the state words and the evaluation that ``-m state`` shares:
iptables loads ``state`` as an alias of conntrack revision 3 (``state.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from ipaddress import IPv4Address
from typing import Any

from ..iptables.addresses import mask_suffix, plen_mask
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.paramact import bad_value
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.ctview import CtDir
from ..netfilter.skb import CtState, Env, Skb


class StateBit(IntFlag):
    """``XT_CONNTRACK_STATE_*`` (``1 << (ctinfo % IP_CT_IS_REPLY + 1)`` for tracked ones)."""

    INVALID = 1 << 0
    ESTABLISHED = 1 << 1
    RELATED = 1 << 2
    NEW = 1 << 3
    SNAT = 1 << 6
    DNAT = 1 << 7
    UNTRACKED = 1 << 8


# name -> bit, in parse order (the first name a prefix matches wins: ``E`` is ESTABLISHED)
CTSTATE_BITS = {
    name: int(StateBit[name])
    for name in ("INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT")
}
STATE_BITS = {name: CTSTATE_BITS[name] for name in list(CTSTATE_BITS)[:5]}
STATUS_BITS = {"NONE": 0, "EXPECTED": 1, "SEEN_REPLY": 2, "ASSURED": 4, "CONFIRMED": 8}
_PRINT_ORDER = ("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT")
_IPS_SRC_NAT, _IPS_DST_NAT = 1 << 4, 1 << 5


def parse_word_list(arg: str, table: dict[str, int], what: str, *, strict: bool) -> int:
    """``conntrack_ps_states``/``state_parse_states``/``..._statuses``: comma lists of
    names or their abbreviations (``strncasecmp(word, NAME, strlen(word))``).

    A bad word is reported with the rest of the list; ``strict`` is the
    ``--state`` parser, which has its own message for an empty last word.
    """
    mask = 0
    words = arg.split(",")
    for i, word in enumerate(words):
        if strict and word == "" and i == len(words) - 1:
            raise ParameterProblem(
                f'"--{what}" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED'
            )
        up = word.upper()
        name = next((n for n in table if n.startswith(up)), None) if word else None
        if name is None:
            raise ParameterProblem(f'Bad {what} "{",".join(words[i:])}"')
        mask |= table[name]
    return mask


def states_text(mask: int) -> str:
    return ",".join(w for w in _PRINT_ORDER if mask & StateBit[w])


def status_text(mask: int) -> str:
    names = [n for n, bit in STATUS_BITS.items() if bit and mask & bit]
    return ",".join(names) if names else "NONE"


Addr = tuple[IPv4Address, int]  # address and netmask as the rule stores them (not masked)


@dataclass(frozen=True, slots=True)
class Conntrack:
    """``struct xt_conntrack_mtinfo3``; absent options are None, ``inv`` names the
    inverted ones; ``ctdir`` is the direction to match; ``alias`` marks ``-m state``."""

    ctstate: int | None = None
    ctproto: int | None = None
    ctorigsrc: Addr | None = None
    ctorigdst: Addr | None = None
    ctreplsrc: Addr | None = None
    ctrepldst: Addr | None = None
    ctorigsrcport: tuple[int, int] | None = None
    ctorigdstport: tuple[int, int] | None = None
    ctreplsrcport: tuple[int, int] | None = None
    ctrepldstport: tuple[int, int] | None = None
    ctstatus: int | None = None
    ctexpire: tuple[int, int] | None = None
    ctdir: CtDir | None = None
    inv: frozenset[str] = frozenset()
    alias: bool = False


_ADDRS = ("ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst")
_PORTS = ("ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport")


def addr_text(addr: Addr, show: Show) -> str:
    """``conntrack_dump_addr``: ``anywhere`` for a zero address unless numeric."""
    ip, mask = addr
    if not show.numeric and int(ip) == 0:
        return "anywhere"
    host = str(ip) if show.numeric else (show.names.host_name(ip) or str(ip))
    return host + mask_suffix(mask)


def dump(value: Conntrack, prefix: str, show: Show) -> str:
    """``conntrack_dump``: the text of ``-L`` (prefix "") and of save (prefix "--")."""
    out = []

    def neg(key: str) -> str:
        return " !" if key in value.inv else ""

    if value.ctstate is not None:
        out.append(f"{neg('ctstate')} {prefix}{'state' if value.alias else 'ctstate'}")
        out.append(f" {states_text(value.ctstate)}" if value.ctstate else "")
    if value.ctproto is not None:
        out.append(f"{neg('ctproto')} {prefix}ctproto {value.ctproto}")
    for key in _ADDRS:
        addr = getattr(value, key)
        if addr is not None:
            out.append(f"{neg(key)} {prefix}{key} {addr_text(addr, show)}")
    for key in _PORTS:
        ports = getattr(value, key)
        if ports is not None:
            lo, hi = ports
            text = str(lo) if hi == 0 or lo == hi else f"{lo}:{hi}"
            out.append(f"{neg(key)} {prefix}{key} {text}")
    if value.ctstatus is not None:
        out.append(f"{neg('ctstatus')} {prefix}ctstatus {status_text(value.ctstatus)}")
    if value.ctexpire is not None:
        lo, hi = value.ctexpire
        out.append(f"{neg('ctexpire')} {prefix}ctexpire {lo if lo == hi else f'{lo}:{hi}'}")
    if value.ctdir is not None:
        out.append(f" {prefix}ctdir {value.ctdir.name}")
    return "".join(out)


def packet_state_bits(skb: Skb) -> int:
    """The state bit of the packet's ctinfo (``nf_ct_get``): no entry means
    UNTRACKED for a NOTRACKed packet, INVALID otherwise."""
    if skb.ct is None:
        return StateBit.UNTRACKED if skb.ctstate is CtState.UNTRACKED else StateBit.INVALID
    state = skb.ctstate or CtState.INVALID
    return int(StateBit[state.name])


def _port_ok(ports: tuple[int, int] | None, port: int, inverted: bool) -> bool:
    if ports is None:
        return True
    return (ports[0] <= port <= ports[1]) != inverted


def _addr_ok(addr: Addr | None, ip: IPv4Address, inverted: bool) -> bool:
    if addr is None:
        return True
    want, mask = addr
    return (((int(ip) ^ int(want)) & mask) == 0) != inverted


def conntrack_matches(value: Conntrack, skb: Skb, now: float) -> bool:
    """``conntrack_mt`` (rev 3)."""
    inv = value.inv
    ct = skb.ct
    if value.ctstate is not None:
        bits = packet_state_bits(skb)
        if ct is not None:
            bits |= StateBit.SNAT if ct.status & _IPS_SRC_NAT else 0
            bits |= StateBit.DNAT if ct.status & _IPS_DST_NAT else 0
        if bool(value.ctstate & bits) == ("ctstate" in inv):
            return False
    if ct is None:
        # without an entry only a state test can have matched
        return value.ctstate is not None
    if value.ctdir is not None:
        direction = CtDir.REPLY if skb.ct_reply else CtDir.ORIGINAL
        if direction != value.ctdir:
            return False
    orig, reply = ct.tuple(CtDir.ORIGINAL), ct.tuple(CtDir.REPLY)
    for key, ip in (
        ("ctorigsrc", orig.src),
        ("ctorigdst", orig.dst),
        ("ctreplsrc", reply.src),
        ("ctrepldst", reply.dst),
    ):
        if not _addr_ok(getattr(value, key), ip, key in inv):
            return False
    if value.ctproto is not None and (orig.proto == value.ctproto) == ("ctproto" in inv):
        return False
    for key, port in (
        ("ctorigsrcport", orig.sport),
        ("ctorigdstport", orig.dport),
        ("ctreplsrcport", reply.sport),
        ("ctrepldstport", reply.dport),
    ):
        if not _port_ok(getattr(value, key), port, key in inv):
            return False
    if value.ctstatus is not None and bool(value.ctstatus & ct.status) == ("ctstatus" in inv):
        return False
    if value.ctexpire is not None:
        left = int(ct.expires_in(now))  # whole seconds, as ``nf_ct_expires(ct) / HZ``
        lo, hi = value.ctexpire
        if (lo <= left <= hi) == ("ctexpire" in inv):
            return False
    return True


def _opt(name: str, type_: OptType, invert: bool = True) -> Opt:
    return Opt(name, type_, invert=invert)


@register
class ConntrackMatch(MatchExtension):
    name = "conntrack"
    needs_conntrack = True  # its checkentry takes a conntrack reference (nf_ct_netns_get)
    revision = 3
    options = (
        _opt("ctstate", OptType.STRING),
        _opt("ctproto", OptType.PROTOCOL),
        *(_opt(key, OptType.HOSTMASK) for key in _ADDRS),
        _opt("ctstatus", OptType.STRING),
        _opt("ctexpire", OptType.UINT32RC),
        *(_opt(key, OptType.PORTRC) for key in _PORTS),
        _opt("ctdir", OptType.STRING, invert=False),
    )

    def parse(self, call: Call) -> None:
        key = call.opt.id
        inv_before = set(call.data.get("inv", ()))
        super().parse(call)  # generic checks and typed value under data[key]
        d = call.data
        arg = call.arg or ""
        if key == "ctstate":
            d[key] = parse_word_list(arg, CTSTATE_BITS, "ctstate", strict=False)
        elif key == "ctstatus":
            d[key] = parse_word_list(arg, STATUS_BITS, "ctstatus", strict=False)
        elif key == "ctproto":
            # the C code tests XT_INV_PROTO (0x40), which in these flags is ctstatus's bit
            if call.value == 0 and "ctstatus" in inv_before:
                raise ParameterProblem("conntrack: rule would never match protocol")
        elif key in _ADDRS:
            ip, plen = call.value
            d[key] = (ip, plen_mask(plen))
        elif key == "ctexpire":
            lo = call.value[0]
            d[key] = (lo, call.value[1] if call.nvals >= 2 else lo)
        elif key == "ctdir":
            upper = arg.upper()
            if upper not in ("ORIGINAL", "REPLY"):
                raise bad_value("conntrack", "--ctdir", arg)
            d[key] = CtDir[upper]
        if call.invert:
            d["inv"] = inv_before | {key}

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Conntrack:
        if not seen:
            raise ParameterProblem("conntrack: At least one option is required")
        fields = {k: data[k] for k in Conntrack.__dataclass_fields__ if k in data and k != "inv"}
        return Conntrack(**fields, inv=frozenset(data.get("inv", ())))

    def save(self, value: Conntrack, show: Show) -> str:
        return dump(value, "--", Show(True, show.names, show.proto))

    def print(self, value: Conntrack, show: Show) -> str:
        return dump(value, "", show)

    def matches(self, value: Conntrack, skb: Skb, env: Env) -> bool:
        return conntrack_matches(value, skb, env.now)
