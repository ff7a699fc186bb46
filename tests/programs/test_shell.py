"""The shell subset: parsing, what is refused as not simulated, routing of output."""

from __future__ import annotations

import pytest

from nflab.lab.world import World
from nflab.programs.sh import run_command_line
from nflab.programs.shell_syntax import Redirect, ShellSyntaxError, parse_script
from nflab.programs.system import NotSimulated


@pytest.fixture
def vm():  # type: ignore[no-untyped-def]
    return World().add_machine("vm")


def sh(machine: object, line: str) -> tuple[str, int]:
    return run_command_line(machine, line)  # type: ignore[arg-type]


def test_parse_lists_pipelines_and_redirections() -> None:
    script = parse_script("a 'b c' | d 2>&1 > f && e; g &")
    first, last = script.items
    assert not first.background and last.background
    pipeline = first.body.first
    assert [w.text for w in pipeline.commands[0].words] == ["a", "b c"]
    d = pipeline.commands[1]
    assert [(r.fd, r.op, r.target.text) for r in d.redirects] == [(2, ">&", "1"), (1, ">", "f")]
    assert first.body.rest[0][0] == "&&"
    assert isinstance(d.redirects[0], Redirect)


def test_a_digit_word_at_the_end_is_a_word() -> None:
    (item,) = parse_script("sort -k 2").items
    assert [w.text for w in item.body.first.commands[0].words] == ["sort", "-k", "2"]


@pytest.mark.parametrize(
    "line",
    ["echo $HOME", "echo `date`", "echo $(date)", "(echo a)", "cat <<EOF", "X=1 env",
     "if true; then echo; fi", "echo {a,b}", "echo a |& cat", "cd /tmp", "export X=1"],
)  # fmt: skip
def test_what_the_simulated_shell_does_not_do_is_refused(vm: object, line: str) -> None:
    with pytest.raises(NotSimulated):
        sh(vm, line)


def test_syntax_errors_carry_the_token() -> None:
    with pytest.raises(ShellSyntaxError) as info:
        parse_script("echo a && | b")
    assert info.value.token == "|"
    with pytest.raises(ShellSyntaxError) as info:
        parse_script("echo 'a")
    assert info.value.quote == "'"


def test_pipeline_status_is_the_last_commands(vm: object) -> None:
    assert sh(vm, "false | true") == ("", 0)
    assert sh(vm, "true | false") == ("", 1)


def test_a_background_job_is_silent_but_not_when_nflab_lacks_its_program(vm: object) -> None:
    assert sh(vm, "echo hidden &") == ("", 0)
    assert sh(vm, "socat TCP-LISTEN:1234 - &") == (
        "/bin/bash: line 1: socat: command not found\n",
        0,
    )


def test_files_written_by_one_command_are_read_by_the_next(vm: object) -> None:
    assert sh(vm, "echo one > /tmp/f; echo two >> /tmp/f; wc -l /tmp/f") == ("2 /tmp/f\n", 0)
    assert sh(vm, "cat f") == ("cat: f: No such file or directory\n", 1)
    assert sh(vm, "echo x > f; cat /root/f") == ("x\n", 0)


def test_iptables_programs_share_the_machine_state(vm: object) -> None:
    out, status = sh(vm, "iptables -N WEB && iptables -S | tail -n 1")
    assert (out, status) == ("-N WEB\n", 0)
    out, status = sh(vm, "sudo iptables-legacy -S | wc -l")
    assert (out, status) == ("3\n", 0)  # the legacy backend has its own tables


def test_machine_names_come_from_its_own_files(vm: object) -> None:
    assert sh(vm, "iptables -A INPUT -s vm -j DROP && iptables -S INPUT 1") == (
        "-A INPUT -s 127.0.1.1/32 -j DROP\n",
        0,
    )
    sh(vm, "echo '192.168.57.1 host' >> /etc/hosts")
    assert sh(vm, "iptables -A INPUT -s host -j DROP && iptables -L INPUT 2")[0].split()[3] == "host"
