"""How iptables prints rules: ``-L`` tables, ``-S`` lines and iptables-save lines.

Mirrors ``print_header``, ``print_rule_details``, ``print_ifaces``,
``print_ipv4_addresses`` and ``save_rule_details`` / ``save_matches_and_target``
of iptables 1.8.9 (``xshared.c``, ``nft-shared.c``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .addresses import proto_name
from .extension import Show, find_match, find_target
from .names import Names
from .rule import Counters, Jump, Rule, TargetEntry, Verdict


@dataclass(frozen=True, slots=True)
class ListFormat:
    numeric: bool = False
    verbose: bool = False
    exact: bool = False
    line_numbers: bool = False


def format_num(number: int, exact: bool) -> str:
    """``xtables_print_num``: exact ``%8llu``, else K/M/G/T rounding in ``%5``."""
    if exact:
        return f"{number:8d} "
    if number <= 99999:
        return f"{number:5d} "
    for suffix in "KMGT":
        number = (number + 500) // 1000
        if number <= 9999 or suffix == "T":
            return f"{number:4d}{suffix} "
    raise AssertionError("unreachable")


def format_num_notable(number: int, exact: bool) -> str:
    """The same with ``FMT_NOTABLE`` (policy line): no padding."""
    if exact or number <= 99999:
        return f"{number} "
    for suffix in "KMGT":
        number = (number + 500) // 1000
        if number <= 9999 or suffix == "T":
            return f"{number}{suffix} "
    raise AssertionError("unreachable")


def chain_header(
    name: str,
    policy: str | None,
    counters: Counters | None,
    refs: int,
    fmt: ListFormat,
) -> list[str]:
    """``print_header``: the ``Chain`` line and the column header line."""
    if policy is not None:
        head = f"Chain {name} (policy {policy}"
        if fmt.verbose:
            c = counters or Counters()
            head += " " + format_num_notable(c.packets, fmt.exact) + "packets, "
            head += format_num_notable(c.bytes, fmt.exact) + "bytes"
        head += ")"
    else:
        head = f"Chain {name} ({refs} references)"
    cols = ""
    if fmt.line_numbers:
        cols += f"{'num':<4s} "
    if fmt.verbose:
        cols += f"{'pkts':>8s} {'bytes':>10s} " if fmt.exact else f"{'pkts':>5s} {'bytes':>5s} "
    cols += f"{'target':<9s} "
    cols += " prot opt"
    if fmt.verbose:
        cols += f" {'in':<6s} {'out':<6s} "
    cols += f" {'source':<19s} "
    cols += f" {'destination':<19s} "
    return [head, cols]


def list_rule(rule: Rule, counters: Counters, num: int, fmt: ListFormat, names: Names) -> str:
    """One ``-L`` row (``nft_ipv4_print_rule`` / ``print_firewall``)."""
    out = []
    if fmt.line_numbers:
        out.append(f"{num:<4d} ")
    if fmt.verbose:
        out.append(format_num(counters.packets, fmt.exact))
        out.append(format_num(counters.bytes, fmt.exact))
    out.append(f"{rule.target_name():<9s} ")
    out.append("!" if "p" in rule.inv else " ")
    pname = proto_name(rule.proto, names, nolookup=fmt.numeric)
    if fmt.numeric or pname is None:
        out.append(f"{rule.proto:<4d} ")
    else:
        out.append(f"{pname:<4s} ")
    out.append(("!" if "f" in rule.inv else "-") + ("f" if rule.fragment else "-") + " ")
    if fmt.verbose:
        anyname = "*" if fmt.numeric else "any"
        i = ("!" if "i" in rule.inv else "") + (rule.iface_in or anyname)
        o = ("!" if "o" in rule.inv else "") + (rule.iface_out or anyname)
        out.append(f" {i:<6s} {o:<6s} ")
    out.append("!" if "s" in rule.inv else " ")
    out.append(f"{rule.src.list_text(fmt.numeric, names):<19s} ")
    out.append("!" if "d" in rule.inv else " ")
    out.append(f"{rule.dst.list_text(fmt.numeric, names):<19s} ")
    if isinstance(rule.target, Jump) and rule.target.goto:
        out.append("[goto] ")
    out.append(_extension_texts(rule, Show(fmt.numeric, names, rule.proto)))
    return "".join(out)


def echo_rule(rule: Rule, names: Names) -> str:
    """The line ``iptables -v -A/-I/-D/-R/-C`` prints for each rule (``FMT_PRINT_RULE``:
    no table layout, numeric addresses and ports, protocol by name)."""
    out = [f"{rule.target_name()} ", "!" if "p" in rule.inv else " "]
    pname = proto_name(rule.proto, names)
    out.append(f"{pname if pname is not None else rule.proto} ")
    out.append("opt " + ("!" if "f" in rule.inv else "-") + ("f" if rule.fragment else "-") + " ")
    i = ("!" if "i" in rule.inv else "") + (rule.iface_in or "*")
    o = ("!" if "o" in rule.inv else "") + (rule.iface_out or "*")
    out.append(f"in {i} out {o} ")
    out.append(("!" if "s" in rule.inv else " ") + rule.src.list_text(True, names) + " ")
    out.append(("!" if "d" in rule.inv else " ") + "-> " + rule.dst.list_text(True, names))
    out.append("  ")
    if isinstance(rule.target, Jump) and rule.target.goto:
        out.append("[goto] ")
    out.append(_extension_texts(rule, Show(True, names, rule.proto)))
    return "".join(out)


def _extension_texts(rule: Rule, show: Show) -> str:
    out = []
    for m in rule.matches:
        ext = find_match(m.name)
        if ext is not None:
            out.append(ext.print(m.value, show))
    if isinstance(rule.target, TargetEntry):
        text = find_target(rule.target.name)
        if text is not None:
            out.append(text.print(rule.target.value, show))
    return "".join(out)


def _save_iface(letter: str, iface: str, inverted: bool, flavour: str) -> str:
    if not iface:
        return ""
    if iface == "+" and (flavour == "legacy" or not inverted):
        return ""  # an all-wildcard mask: the kernel entry carries no interface
    return f"{' !' if inverted else ''} -{letter} {iface}"


_SHOWS: dict[tuple[int, int], tuple[Names, Show]] = {}


def _save_show(names: Names, proto: int) -> Show:
    """The (immutable) numeric Show of iptables-save, one per machine and protocol."""
    key = (id(names), proto)
    known = _SHOWS.get(key)
    if known is None or known[0] is not names:
        if len(_SHOWS) >= 1024:
            _SHOWS.clear()
        known = _SHOWS[key] = (names, Show(True, names, proto))
    return known[1]


def save_rule(
    rule: Rule,
    names: Names,
    *,
    flavour: str = "nft",
    counters: Counters | None = None,
) -> str:
    """The text after ``-A CHAIN`` (starting with a space), ``-c P B`` when counters given."""
    out = []
    inv = rule.inv
    for letter, net in (("s", rule.src), ("d", rule.dst)):
        inverted = letter in inv
        if net.mask == 0 and not inverted and int(net.addr) == 0:
            continue
        out.append(f"{' !' if inverted else ''} -{letter} {net.save_text()}")
    if rule.iface_in:
        out.append(_save_iface("i", rule.iface_in, "i" in inv, flavour))
    if rule.iface_out:
        out.append(_save_iface("o", rule.iface_out, "o" in inv, flavour))
    if rule.proto > 0:
        pname = proto_name(rule.proto, names)
        out.append((" !" if "p" in inv else "") + f" -p {pname or rule.proto}")
    if rule.fragment:
        out.append((" !" if "f" in inv else "") + " -f")
    show = _save_show(names, rule.proto)
    for m in rule.matches:
        ext = find_match(m.name)
        out.append(f" -m {m.name}")
        if ext is not None:
            out.append(ext.save(m.value, show))
    if counters is not None:
        out.append(f" -c {counters.packets} {counters.bytes}")
    t = rule.target
    if isinstance(t, TargetEntry):
        ext_t = find_target(t.name)
        out.append(f" -j {ext_t.alias(t.value) if ext_t is not None else t.name}")
        if ext_t is not None:
            out.append(ext_t.save(t.value, show))
    elif isinstance(t, Verdict):
        out.append(f" -j {t.name}")
    elif isinstance(t, Jump):
        out.append(f" -{'g' if t.goto else 'j'} {t.chain}")
    return "".join(out)
