"""``ls`` without a terminal; the expected texts are what coreutils printed on the kernel
runner's machines for the same files (``kernel-run``)."""

from __future__ import annotations

from nflab.lab.context import Context
from nflab.lab.world import World
from nflab.programs.sh import run_command_line


def test_files_first_then_each_directory_under_its_heading() -> None:
    world = World()
    ctx = Context(world.add_machine("a"))
    fs = ctx.fs
    fs.write("/tmp/f1", "x\n")
    fs.mkdir("/tmp/d1")
    fs.mkdir("/tmp/d2")
    fs.write("/tmp/d1/b", "y\n")
    fs.write("/tmp/d1/.hidden", "y\n")
    assert run_command_line(ctx, "ls /tmp/d1 /tmp/d2 /tmp/f1") == (
        "/tmp/f1\n\n/tmp/d1:\nb\n\n/tmp/d2:\n", 0
    )
    assert run_command_line(ctx, "ls -a /tmp/d1") == (".\n..\n.hidden\nb\n", 0)
    assert run_command_line(ctx, "ls -A /tmp/d1") == (".hidden\nb\n", 0)
    assert run_command_line(ctx, "ls /tmp/nosuch /tmp/f1") == (
        "ls: cannot access '/tmp/nosuch': No such file or directory\n/tmp/f1\n", 2
    )
    assert run_command_line(ctx, "ls /tmp/d1 /tmp/d2") == ("/tmp/d1:\nb\n\n/tmp/d2:\n", 0)
    world.shutdown()
