"""The xtables state of one network namespace: both backends' tables.

iptables-nft and iptables-legacy keep separate rulesets that the kernel runs
side by side; each backend's commands see only their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .tables import Ruleset


@dataclass
class NetfilterState:
    nft: Ruleset = field(default_factory=lambda: Ruleset("nft"))
    legacy: Ruleset = field(default_factory=lambda: Ruleset("legacy"))

    def __post_init__(self) -> None:
        # one registration sequence for the namespace's hooks, whichever backend adds them
        self.legacy.hook_clock = self.nft.hook_clock

    def ruleset(self, flavour: str) -> Ruleset:
        return self.nft if flavour == "nft" else self.legacy
