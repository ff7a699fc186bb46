"""Restore and save 100,000 rules: nflab against the real iptables-restore.

    python3 bench/bench_restore.py [--rules N] [--no-real]

Builds one restore file of N rules ``-A INPUT -s X/32 -p udp -m udp --dport P
-j DROP`` (every X distinct, P cycling through 1-65535) and times, in this one
run on this machine:

* nflab's ``iptables-restore`` of the file (nft and legacy flavours);
* nflab's ``iptables-save`` of the result;
* one ``iptables -A`` into that 100k-rule chain;
* the memory the restored rules keep (tracemalloc), per rule;
* the real ``iptables-nft-restore`` and ``iptables-legacy-restore`` loading the
  same file, each in a scratch network namespace (``unshare -n``: the
  namespace disappears with the process); skipped, with the reason, when not
  root or the tools are missing.

Targets: restore <= 1.5 s and faster than both real tools, save <= 0.5 s,
one -A <= 5 ms, <= 1 KiB per rule.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address

from nflab.programs.base import Io, SimpleHost
from nflab.programs.iptables import iptables_main
from nflab.programs.iptables_restore import iptables_restore_main
from nflab.programs.iptables_save import iptables_save_main

TARGETS = {"restore": 1.5, "save": 0.5, "append": 0.005}
BYTES_PER_RULE_TARGET = 1024


def build_file(n: int) -> str:
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    base = int(IPv4Address("10.0.0.0"))
    for i in range(n):
        src = IPv4Address(base + i)
        lines.append(f"-A INPUT -s {src}/32 -p udp -m udp --dport {1 + i % 65535} -j DROP")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


@dataclass
class Row:
    what: str
    seconds: float | None
    note: str = ""


def _best(runs: int, action: Callable[[], float]) -> float:
    return min(action() for _ in range(runs))


def nflab_restore(text: str, flavour: str) -> tuple[float, SimpleHost]:
    host = SimpleHost()
    io = Io(stdin=text)
    gc.collect()
    start = time.perf_counter()
    status = iptables_restore_main([f"iptables-{flavour}-restore"], io, host)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"nflab restore failed ({status}): {io.stderr[:500]}")
    return elapsed, host


def nflab_save(host: SimpleHost, flavour: str) -> float:
    io = Io()
    start = time.perf_counter()
    iptables_save_main([f"iptables-{flavour}-save"], io, host)
    elapsed = time.perf_counter() - start
    assert io.stdout.count("\n-A INPUT ") >= 1
    return elapsed


def nflab_append(host: SimpleHost, flavour: str, i: int) -> float:
    io = Io()
    argv = [
        f"iptables-{flavour}",
        "-A",
        "INPUT",
        "-s",
        f"192.0.2.{i}",
        "-p",
        "udp",
        "--dport",
        "53",
        "-j",
        "ACCEPT",
    ]
    start = time.perf_counter()
    status = iptables_main(argv, io, host)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"nflab -A failed: {io.stderr}")
    return elapsed


def memory_per_rule(text: str, n: int) -> tuple[float, float]:
    """Bytes the restored table keeps per rule, and the peak during the restore per rule."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    host = SimpleHost()
    iptables_restore_main(["iptables-nft-restore"], Io(stdin=text), host)
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(host.netfilter.nft.tables["filter"].chains["INPUT"].rules) == n
    return (kept - before) / n, (peak - before) / n


def real_restore(path: str, tool: str) -> tuple[float | None, str]:
    if os.geteuid() != 0:
        return None, "skipped: not root"
    for needed in (tool, "unshare"):
        if shutil.which(needed) is None:
            return None, f"skipped: {needed} not found"
    # a fresh namespace per run, gone when the process exits: the host is never touched
    argv = ["unshare", "-n", "sh", "-c", f'exec {tool} < "$1"', "sh", path]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        return None, f"failed ({done.returncode}): {done.stderr.strip()[:200]}"
    return elapsed, "in unshare -n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=int, default=100_000)
    parser.add_argument("--no-real", action="store_true", help="do not run the real tools")
    parser.add_argument("--runs", type=int, default=3, help="best of N for nflab timings")
    args = parser.parse_args()
    n = args.rules
    text = build_file(n)
    rows: list[Row] = []
    hosts = {}
    for flavour in ("nft", "legacy"):
        best = None
        for _ in range(args.runs):
            elapsed, host = nflab_restore(text, flavour)
            if best is None or elapsed < best:
                best, hosts[flavour] = elapsed, host
        rows.append(Row(f"nflab restore ({flavour})", best))
    for flavour in ("nft", "legacy"):
        rows.append(
            Row(
                f"nflab save ({flavour})",
                _best(args.runs, lambda f=flavour: nflab_save(hosts[f], f)),
            )
        )
    for flavour in ("nft", "legacy"):
        counter = iter(range(1, 1000))
        secs = _best(args.runs, lambda f=flavour, c=counter: nflab_append(hosts[f], f, next(c)))
        rows.append(Row(f"nflab iptables -A into {n} ({flavour})", secs))
    kept, peak = memory_per_rule(text, n)
    real: dict[str, float | None] = {}
    if not args.no_real:
        with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as f:
            f.write(text)
            path = f.name
        try:
            for tool in ("iptables-nft-restore", "iptables-legacy-restore"):
                secs, note = real_restore(path, tool)
                real[tool] = secs
                rows.append(Row(f"real {tool}", secs, note))
        finally:
            os.unlink(path)
    report(rows, real, n, kept, peak)


def report(
    rows: list[Row], real: dict[str, float | None], n: int, kept: float, peak: float
) -> None:
    restore_nft = rows[0].seconds or 0.0
    print(f"{n} rules, Python {sys.version.split()[0]}")
    print(
        f"{'what':44s} {'seconds':>9s} {'target':>8s} {'vs real nft':>12s} {'vs real legacy':>15s}"
    )
    for row in rows:
        secs = f"{row.seconds:9.4f}" if row.seconds is not None else f"{'-':>9s}"
        kind = "restore" if "restore" in row.what else "save" if "save" in row.what else "append"
        target = f"{TARGETS[kind]:8.3f}" if row.what.startswith("nflab") else f"{'':8s}"
        ratios = []
        for tool in ("iptables-nft-restore", "iptables-legacy-restore"):
            base = real.get(tool)
            if kind == "restore" and row.what.startswith("nflab") and base and row.seconds:
                ratios.append(f"{row.seconds / base:.2f}x")
            else:
                ratios.append("")
        print(f"{row.what:44s} {secs} {target} {ratios[0]:>12s} {ratios[1]:>15s}  {row.note}")
    print(
        f"memory kept per rule: {kept:.0f} B (target {BYTES_PER_RULE_TARGET} B); "
        f"peak during restore: {peak:.0f} B/rule"
    )
    if restore_nft:
        print(f"restore throughput: {n / restore_nft:,.0f} rules/s")


if __name__ == "__main__":
    main()
