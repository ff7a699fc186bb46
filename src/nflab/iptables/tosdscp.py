"""Names of TOS values and DiffServ classes (``tos_values.c``, ``dscp_helper.c``), shared
by the tos/dscp matches and the TOS/DSCP targets."""

from __future__ import annotations

from .errors import ParameterProblem

# ``tos_symbol_names``: what ``--set-tos``/``--tos`` accept by name, in print-lookup order
TOS_SYMBOLS = (
    ("Minimize-Delay", 0x10),
    ("Maximize-Throughput", 0x08),
    ("Maximize-Reliability", 0x04),
    ("Minimize-Cost", 0x02),
    ("Normal-Service", 0x00),
)

# ``ds_classes``: DiffServ class names and their DSCP values, in lookup order
DS_CLASSES = (
    ("CS0", 0x00),
    ("CS1", 0x08),
    ("CS2", 0x10),
    ("CS3", 0x18),
    ("CS4", 0x20),
    ("CS5", 0x28),
    ("CS6", 0x30),
    ("CS7", 0x38),
    ("BE", 0x00),
    ("AF11", 0x0A),
    ("AF12", 0x0C),
    ("AF13", 0x0E),
    ("AF21", 0x12),
    ("AF22", 0x14),
    ("AF23", 0x16),
    ("AF31", 0x1A),
    ("AF32", 0x1C),
    ("AF33", 0x1E),
    ("AF41", 0x22),
    ("AF42", 0x24),
    ("AF43", 0x26),
    ("EF", 0x2E),
)


def tos_symbol(value: int, mask: int) -> str | None:
    """``tos_try_print_symbolic``: a name only for a symbol's value under the 0x3f mask."""
    if mask != 0x3F:
        return None
    return next((name for name, v in TOS_SYMBOLS if v == value), None)


def class_to_dscp(name: str) -> int:
    """``class_to_dscp``: the first class whose name starts the argument (any case)."""
    for cls, dscp in DS_CLASSES:
        if name[: len(cls)].upper() == cls:
            return dscp
    raise ParameterProblem(f"Invalid DSCP value `{name}'")
