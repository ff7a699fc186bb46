"""Helpers for nflab's frozen value objects."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

V = TypeVar("V")
_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def evolve(value: V, **changes: Any) -> V:
    """``dataclasses.replace`` without its per-call introspection: the field names are
    looked up once per class (NAT rewrites every packet of a translated connection,
    iptables-nft reads back every tcp/udp match it stores)."""
    cls: Any = type(value)
    names = _INIT_FIELDS.get(cls)
    if names is None:
        names = _INIT_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.init)
    result: V = cls(*[changes[name] if name in changes else getattr(value, name) for name in names])
    return result
