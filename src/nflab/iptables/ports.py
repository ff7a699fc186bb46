"""Ports and port ranges as the tcp/udp/sctp/dccp/multiport extensions parse and print them."""

from __future__ import annotations

from .cnum import strtoui
from .errors import ParameterProblem
from .extension import Show
from .names import Names


def parse_port(text: str, proto: str, names: Names) -> int:
    """``xtables_parse_port``: a number 0-65535 or a service name of ``proto``."""
    value = strtoui(text, 0, 0xFFFF)
    if value is not None:
        return value
    port = names.port_by_name(text, proto)
    if port is None:
        raise ParameterProblem(f"invalid port/service `{text}' specified")
    return port


def parse_port_range(text: str, proto: str, names: Names) -> tuple[int, int]:
    """``a``, ``a:b``, ``a:``, ``:b``; ``min > max`` is an error."""
    if ":" not in text:
        port = parse_port(text, proto, names)
        return port, port
    lo_s, hi_s = text.split(":", 1)
    lo = parse_port(lo_s, proto, names) if lo_s else 0
    hi = parse_port(hi_s, proto, names) if hi_s else 0xFFFF
    if lo > hi:
        raise ParameterProblem("invalid portrange (min > max)")
    return lo, hi


def port_text(port: int, show: Show, proto: str) -> str:
    """A port by its service name unless numeric (``getservbyport``)."""
    if not show.numeric:
        name = show.names.service_name(port, proto)
        if name is not None:
            return name
    return str(port)


def print_ports(label: str, ports: tuple[int, int], invert: bool, show: Show, proto: str) -> str:
    """``print_ports`` of libxt_tcp/udp: ``dpt:80``, ``dpts:1:2``, ``dpt:!80``."""
    lo, hi = ports
    if lo == 0 and hi == 0xFFFF and not invert:
        return ""
    inv = "!" if invert else ""
    if lo == hi:
        return f" {label}:{inv}{port_text(lo, show, proto)}"
    return f" {label}s:{inv}{port_text(lo, show, proto)}:{port_text(hi, show, proto)}"


FULL_RANGE = (0, 0xFFFF)


def port_range_text(ports: tuple[int, int]) -> str:
    """``a`` or ``a:b`` as the port extensions save a range."""
    lo, hi = ports
    return str(lo) if lo == hi else f"{lo}:{hi}"


def save_ports(option: str, ports: tuple[int, int], invert: bool) -> str:
    """`` [!] --sport a[:b]``: the save text of one port range (the caller decides
    whether a full range is printed: tcp/udp omit it, sctp/dccp print what was given)."""
    return f"{' !' if invert else ''} {option} {port_range_text(ports)}"


def in_range(port: int, ports: tuple[int, int]) -> bool:
    return ports[0] <= port <= ports[1]
