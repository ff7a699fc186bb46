"""``-m owner`` (libxt_owner.c revision 1, kernel xt_owner.c): the local socket's owner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..iptables.cnum import xtables_strtoul
from ..iptables.errors import ParameterProblem
from ..iptables.extension import MatchExtension, RuleContext, Show, register
from ..iptables.names import Names
from ..iptables.paramact import bad_value
from ..iptables.xtoptions import Call, Opt, OptType
from ..netfilter.skb import Env, Skb

_ID_MAX = 0xFFFFFFFE  # -1 is "no id", so the largest id is one less


@dataclass(frozen=True, slots=True)
class Owner:
    """``struct xt_owner_match_info``: ranges are None when not matched on."""

    uid: tuple[int, int] | None = None
    gid: tuple[int, int] | None = None
    socket_exists: bool = False
    suppl_groups: bool = False
    inv: frozenset[str] = frozenset()  # among uid, gid, socket


def parse_id_range(text: str, opt: str) -> tuple[int, int]:
    """``owner_parse_range``: ``N``, ``N-M`` or ``N:M``."""
    low, rest = xtables_strtoul(text, 0, _ID_MAX, partial=True)
    if low is None:
        raise bad_value("owner", opt, text)
    high = low
    if rest[:1] in ("-", ":"):
        high_v, rest = xtables_strtoul(rest[1:], 0, _ID_MAX, partial=True)
        if high_v is None:
            raise bad_value("owner", opt, text)
        high = high_v
    if rest:
        raise bad_value("owner", opt, text)
    return low, high


def _id_text(ids: tuple[int, int], numeric: bool, name_of: Any) -> str:
    low, high = ids
    if low != high:
        return f"{low}-{high}"
    name = None if numeric else name_of(low)
    return name if name is not None else str(low)


@register
class OwnerMatch(MatchExtension):
    name = "owner"
    revision = 1
    hooks = frozenset({"OUTPUT", "POSTROUTING"})
    options = (
        Opt("uid-owner", OptType.STRING, invert=True),
        Opt("gid-owner", OptType.STRING, invert=True),
        Opt("socket-exists", OptType.NONE, invert=True),
        Opt("suppl-groups", OptType.NONE),
    )

    def parse(self, call: Call) -> None:
        super().parse(call)
        d, key, arg = call.data, call.opt.id, call.arg or ""
        names: Names = call.names
        if key == "uid-owner":
            uid = names.user_id(arg)
            d["uid"] = (uid, uid) if uid is not None else parse_id_range(arg, "--uid-owner")
        elif key == "gid-owner":
            gid = names.group_id(arg)
            d["gid"] = (gid, gid) if gid is not None else parse_id_range(arg, "--gid-owner")
        elif key == "suppl-groups" and "gid" not in d:
            raise bad_value("owner", "--suppl-groups", "you need to use --gid-owner first")

    def finalize(self, data: dict[str, Any], seen: set[str], rule: RuleContext) -> Owner:
        if not seen:
            raise ParameterProblem(
                "owner: At least one of --uid-owner, --gid-owner or --socket-exists is required"
            )
        inv = {
            k
            for k, opt in (("uid", "uid-owner"), ("gid", "gid-owner"), ("socket", "socket-exists"))
            if data.get(opt + "!")
        }
        return Owner(
            data.get("uid"),
            data.get("gid"),
            "socket-exists" in seen,
            "suppl-groups" in seen,
            frozenset(inv),
        )

    def _items(self, value: Owner, labels: tuple[str, str, str, str], show: Show) -> str:
        """``owner_mt_print_item`` for socket, uid, gid, suppl. groups in that order."""
        out = ""
        if value.socket_exists:
            out += f"{' !' if 'socket' in value.inv else ''} {labels[0]}"
        if value.uid is not None:
            text = _id_text(value.uid, show.numeric, show.names.user_name)
            out += f"{' !' if 'uid' in value.inv else ''} {labels[1]} {text}"
        if value.gid is not None:
            text = _id_text(value.gid, show.numeric, show.names.group_name)
            out += f"{' !' if 'gid' in value.inv else ''} {labels[2]} {text}"
        if value.suppl_groups:
            out += f" {labels[3]}"
        return out

    def save(self, value: Owner, show: Show) -> str:
        labels = ("--socket-exists", "--uid-owner", "--gid-owner", "--suppl-groups")
        return self._items(value, labels, Show(True, show.names, show.proto))

    def print(self, value: Owner, show: Show) -> str:
        labels = (
            "owner socket exists",
            "owner UID match",
            "owner GID match",
            "incl. suppl. groups",
        )
        return self._items(value, labels, show)

    def matches(self, value: Owner, skb: Skb, env: Env) -> bool:
        """``owner_mt``: the credentials of the file behind the packet's local socket."""
        given = {
            k
            for k, on in (("uid", value.uid), ("gid", value.gid), ("socket", value.socket_exists))
            if on
        }
        if skb.sock_uid is None:
            # no socket: only a fully inverted rule matches (``(match ^ invert) == 0``)
            return not value.suppl_groups and given == value.inv
        if value.socket_exists and "socket" in value.inv:
            return False
        if value.uid is not None:
            inside = value.uid[0] <= skb.sock_uid <= value.uid[1]
            if inside == ("uid" in value.inv):
                return False
        if value.gid is not None:
            low, high = value.gid
            groups = [skb.sock_gid] if skb.sock_gid is not None else []
            if value.suppl_groups:
                groups += list(skb.sock_groups)
            inside = any(low <= g <= high for g in groups)
            if inside == ("gid" in value.inv):
                return False
        return True
