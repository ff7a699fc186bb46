"""The ``nflab`` command: argv in, text and an exit status out. The only place that prints.

Exit statuses of ``nflab run`` (and ``nflab verify``): 0 every output
matches, 1 some output differs (a diff is printed), 2 a usage error, a
malformed transcript, a command nflab cannot carry out, or (kernel mode) a
host that cannot run it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from .. import __version__
from ..transcript.builtin import builtin_labs
from ..transcript.model import TranscriptError
from ..transcript.parse import read_transcript
from ..transcript.report import render_diff
from ..transcript.runner import FileRun, run_transcript
from ..transcript.update import render_updated
from .kernel import add_kernel_commands, clean, run_kernel_files, verify_files
from .shell import run_shell
from .trace import add_trace_command, normalise_argv, run_trace

OK, DIFFERS, BROKEN = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nflab",
        description="Linux netfilter/iptables, simulated: run lab transcripts and compare their outputs.",
    )
    parser.add_argument("--version", action="version", version=f"nflab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run lab transcripts and compare every output",
        description="Run Markdown lab transcripts on simulated machines. Without FILE, or with "
        "--builtin, run the built-in labs.",
    )
    run.add_argument("files", nargs="*", metavar="FILE", help="a transcript (.md)")
    run.add_argument("--builtin", action="store_true", help="also run the built-in labs")
    run.add_argument("--update", action="store_true", help="write the actual outputs into the files")
    run.add_argument(
        "--kernel", action="store_true",
        help="run on this machine's real kernel: each machine a network namespace (root)",
    )  # fmt: skip
    commands.add_parser("labs", help="list the built-in labs", description="List the built-in labs.")
    shell = commands.add_parser(
        "shell",
        help="type transcript command lines at a prompt (simulated)",
        description="An interactive lab: each line is a transcript command line (`lab# machines "
        "vm`, `vm# iptables -nvL`), run at once on simulated machines, its output printed. "
        "Tab completes machines, programs and iptables options; history is kept in "
        "~/.nflab_history. `exit` or Ctrl-D leaves.",
    )
    shell.add_argument(
        "file", nargs="?", type=Path, metavar="FILE.md", help="start from this transcript's state"
    )
    shell.add_argument(
        "--record", type=Path, metavar="OUT.md", help="save the session as a transcript"
    )
    add_trace_command(commands)
    add_kernel_commands(commands, run)
    fuzz = commands.add_parser(
        "fuzz",
        help="random rulesets and packets, simulated and on the real kernel, compared (root)",
        description="Differential testing: per case a random ruleset and packet flow run in the "
        "simulator and in two scratch namespaces; iptables-save -c and the replies must agree. "
        "Each divergence is printed with its seed and case number. Exit status 1 if any.",
    )
    fuzz.add_argument("--seed", type=int, default=1, help="the run's seed (default 1)")
    fuzz.add_argument("--count", type=int, default=100, help="how many cases (default 100)")
    fuzz.add_argument("--start", type=int, default=0, help="the first case's number (default 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # ``nflab run | head``: stop quietly, like other programs
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP in kernel mode (after cleanup)
        return 128 + getattr(stop, "signum", signal.SIGINT)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(normalise_argv(sys.argv[1:] if argv is None else argv))
    if args.command == "run":
        files = [Path(f) for f in args.files]
        if args.builtin or not files:
            files += [_near(p) for p in builtin_labs()]
        if args.kernel:
            return run_kernel_files(files, args.update, args.timeout, sys.stdout, sys.stderr, run_files)
        return run_files(files, args.update, sys.stdout, sys.stderr)
    if args.command == "labs":
        return list_labs(sys.stdout, sys.stderr)
    if args.command == "trace":
        return run_trace(args, sys.stdout, sys.stderr)
    if args.command == "shell":
        return run_shell(args.file, args.record, sys.stdin, sys.stdout)
    if args.command == "verify":
        files = [Path(f) for f in args.files]
        return verify_files(files, args.json, args.timeout, sys.stdout, sys.stderr)
    if args.command == "fuzz":
        from ..kernel.fuzz import fuzz_command

        return fuzz_command(args.seed, args.count, args.start, sys.stdout, sys.stderr)
    if args.command == "clean":
        return clean(sys.stdout, sys.stderr)
    parser.print_help(sys.stderr)
    return BROKEN


def _near(path: Path) -> Path:
    """The path relative to the working directory when it is below it (shorter to read)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def list_labs(out: TextIO, err: TextIO) -> int:
    status = OK
    for path in builtin_labs():
        try:
            title = read_transcript(path).title
        except TranscriptError as error:
            err.write(f"nflab: {error}\n")
            status = BROKEN
            continue
        out.write(f"{path.name:32} {title}\n")
    return status


def run_files(
    files: Sequence[Path], update: bool, out: TextIO, err: TextIO,
    runner: Callable[[Path], FileRun] = run_transcript,
) -> int:  # fmt: skip
    """Run each file (simulated, or with ``runner``), print its diffs and summary."""
    status = OK
    progress = err.isatty() and len(files) > 1
    for number, path in enumerate(files, 1):
        if progress:  # long runs (kernel mode takes seconds a file) show where they are
            err.write(f"\r\033[K[{number}/{len(files)}] {path} ...")
            err.flush()
        try:
            run = runner(path)
        except TranscriptError as error:
            err.write(f"nflab: {error}\n")
            status = BROKEN
            continue
        finally:
            if progress:
                err.write("\r\033[K")
        status = max(status, _report(run, update, out, err))
    return status


def _report(run: FileRun, update: bool, out: TextIO, err: TextIO) -> int:
    path = run.transcript.path
    for outcome in run.errors:
        lines = outcome.error.splitlines() if outcome.error else []
        err.write(f"{outcome.command.where}: {outcome.command.source}\n")
        err.write("".join(f"  {line}\n" for line in lines))
    failures = run.failures
    if update:
        actual = {o.command: (o.actual, o.status != 0) for o in run.own if o.error is None}
        text = render_updated(run.transcript, actual)
        if text != Path(path).read_text(encoding="utf-8"):
            Path(path).write_text(text, encoding="utf-8")
            out.write(f"{path}: updated\n")
        failures = [o for o in failures if o.command.path != path]
    for outcome in failures:
        out.write(render_diff(outcome.command, outcome.actual))
    count = len(run.outcomes)
    if not failures and not run.errors:
        out.write(f"{path}: {count} commands, all match\n")
        return OK
    parts = [f"{len(failures)} differ"] if failures else []
    parts += [f"{len(run.errors)} could not run"] if run.errors else []
    out.write(f"{path}: {count} commands, {', '.join(parts)}\n")
    return BROKEN if run.errors else DIFFERS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
