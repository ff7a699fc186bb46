"""``nflab fuzz``: random rulesets and packets, simulated and on the real kernel, must agree."""

from __future__ import annotations

import io
import os

import pytest

from kernel_helpers import needs_kernel
from nflab.kernel.fuzz import Result, fuzz, fuzz_command, normalise_save, simulate, summary
from nflab.kernel.fuzz_gen import case

CI_CASES = 200  # about 20 s on the real kernel


def test_a_case_is_a_function_of_seed_and_number() -> None:
    assert case(7, 3) == case(7, 3)
    assert case(7, 3) != case(7, 4) and case(7, 3) != case(8, 3)
    assert all(1 <= len(case(1, n).packets) <= 3 for n in range(50))


def test_the_simulated_side_counts_what_b_saw() -> None:
    c = case(1, 0)
    result = simulate(c)
    assert result.counters.startswith("*filter\n:INPUT ")
    assert "# " not in result.counters and len(result.replies) == len(c.packets)


def test_a_divergence_is_reported_with_seed_and_case_number() -> None:
    def kernel(c: object) -> Result:  # a "kernel" that never answers and counts nothing
        return Result(normalise_save("*filter\nCOMMIT\n"), ("",) * len(case(5, 2).packets))

    out = io.StringIO()
    assert fuzz(5, 1, out, start=2, kernel=kernel) == [2]
    assert "divergence: seed 5 case 2" in out.getvalue()
    assert "1 cases in" in out.getvalue() and "1 diverge: 2" in out.getvalue()


def test_replies_are_summarised_by_addresses_protocol_and_flags() -> None:
    c = case(1, 1)
    text = summary(c.packets[0])
    assert text.startswith("10.9.0.") and ">10.9.0." in text


@needs_kernel
def test_simulator_and_kernel_agree_on_random_cases() -> None:
    out = io.StringIO()
    seed = int(os.environ.get("NFLAB_FUZZ_SEED", "20261126"))
    bad = fuzz(seed, CI_CASES, out)
    assert bad == [], out.getvalue()
    assert not [n for n in os.listdir("/run/netns") if n.startswith(f"nflab-fz-{os.getpid()}-")]


def test_fuzz_refuses_without_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    out, err = io.StringIO(), io.StringIO()
    assert fuzz_command(1, 1, 0, out, err) == 2
    assert err.getvalue() == "nflab: kernel mode needs root: it creates network namespaces, veth " \
        "pairs and mounts (run it with sudo)\n"
    assert out.getvalue() == ""
