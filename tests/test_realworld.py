"""Acceptance: published real-world iptables-save dumps, restored in both flavours.

For every dump under ``shared/rulesets/realworld`` the real iptables 1.8.9
recorded, per flavour, the restore's exit status and message and what
``iptables-save -c`` printed afterwards (comment lines removed). nflab must
print the same. A dump that fails only because nflab lacks one of the
extensions it uses is an expected failure naming them, until they exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nflab.iptables.extension import find_match, find_target
from nflab.iptables.rule import STANDARD_VERDICTS
from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables_restore import iptables_restore_main
from nflab.programs.iptables_save import iptables_save_main
from shared import SHARED, shared_path

REALWORLD = ("rulesets", "realworld")


def _dumps() -> list[str]:
    folder = SHARED.joinpath(*REALWORLD)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "README.md")


def _missing_extensions(text: str) -> list[str]:
    """Matches and targets the dump loads that nflab does not have (yet)."""
    chains = set(re.findall(r"^:(\S+)", text, re.M))
    missing = set()
    for name in re.findall(r"(?:^|\s)(?:-m|--match)\s+(\S+)", text):
        if find_match(name) is None:
            missing.add(f"-m {name}")
    for name in re.findall(r"(?:^|\s)(?:-j|--jump)\s+(\S+)", text):
        if name not in chains and name not in STANDARD_VERDICTS and find_target(name) is None:
            missing.add(f"-j {name}")
    for proto in re.findall(r"(?:^|\s)-p\s+(tcp|udp|icmp|sctp|dccp)\s", text):
        if find_match(proto) is None:
            missing.add(f"-m {proto} (implicit)")
    return sorted(missing)


def _restore(text: str, flavour: str) -> tuple[int, str, str]:
    host = SimpleHost()
    io = Io(stdin=text)
    status = iptables_restore_main([f"iptables-{flavour}-restore"], io, host)
    saved = Io()
    assert iptables_save_main([f"iptables-{flavour}-save", "-c"], saved, host) == 0
    kept = [line for line in saved.stdout.splitlines(keepends=True) if not line.startswith("#")]
    return status, io.combined, "".join(kept)


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
@pytest.mark.parametrize("name", _dumps())
def test_realworld_dump(name: str, flavour: str) -> None:
    folder: Path = shared_path(*REALWORLD)
    text = (folder / name).read_text()
    real = folder / "real"
    want_status = int((real / f"{name}.{flavour}.rc").read_text().strip())
    want_out = (real / f"{name}.{flavour}.restore-out").read_text()
    want_save = (real / f"{name}.{flavour}.save").read_text()
    status, out, saved = _restore(text, flavour)
    ok = (status, out, saved) == (want_status, want_out, want_save)
    if not ok:
        missing = _missing_extensions(text)
        if missing:
            pytest.xfail(f"nflab lacks {', '.join(missing)}")
    assert (status, out) == (want_status, want_out)
    assert saved.splitlines() == want_save.splitlines()
    assert saved == want_save
