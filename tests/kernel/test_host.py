"""What kernel mode asks of the host, checked before anything is made (no root needed)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nflab.cli.kernel import clean, run_kernel_files, verify_files
from nflab.cli.main import run_files
from nflab.kernel.host import KernelUnavailable, missing_programs, programs_in, require_programs
from nflab.kernel.lab import _BACKGROUND

GOOD = "```console\nlab# machines vm\nvm# echo hi\nhi\n```\n"


def test_without_root_each_kernel_command_refuses_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text(GOOD)
    for call in (
        lambda out, err: run_kernel_files([path], False, 60, out, err, run_files, euid=1000),
        lambda out, err: verify_files([path], False, 60, out, err, euid=1000),
        lambda out, err: clean(out, err, euid=1000),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert call(out, err) == 2
        assert out.getvalue() == ""
        assert err.getvalue().count("\n") == 1
        assert err.getvalue().startswith("nflab: kernel mode needs root: it creates network namespaces")


@pytest.mark.parametrize(
    ("line", "programs"),
    [
        ("echo hello | nc -N 192.168.57.3 18080", ["echo", "nc"]),
        ("sudo iptables -S && conntrack -L; VAR=1 grep -c x /tmp/f", ["iptables", "conntrack", "grep"]),
        ("ip netns exec ns0 tcpdump -n -i eth0 -c 2 tcp > /tmp/x 2>&1 &", ["ip", "tcpdump"]),
        ("sh -c 'iptables-save > /etc/iptables/rules.v4'", ["sh", "iptables-save"]),
        ("/usr/sbin/iptables -L", ["iptables"]),
        ("echo 'unbalanced", []),
    ],
)
def test_programs_a_command_line_runs(line: str, programs: list[str]) -> None:
    assert list(programs_in(line)) == programs


def test_a_missing_program_names_its_debian_package(tmp_path: Path) -> None:
    lines = ["tcpdump -n -i eth0", "sh -c 'conntrack -L | grep x'", "ip netns exec ns0 curl -s qq.com"]
    missing = missing_programs(lines, path=str(tmp_path))  # an empty PATH: nothing installed
    assert missing["tcpdump"] == "tcpdump"
    assert missing["conntrack"] == "conntrack"
    assert missing["curl"] == "curl"
    assert missing["ip"] == "iproute2"
    assert missing["nsenter"] == "util-linux"
    assert "grep" not in missing  # not a program kernel mode knows a package for
    with pytest.raises(KernelUnavailable) as info:
        require_programs(lines, path=str(tmp_path))
    message = str(info.value)
    assert "tcpdump (tcpdump)" in message and "curl (curl)" in message
    assert "apt-get install " in message and "iproute2" in message and "\n" not in message


@pytest.mark.parametrize(
    ("line", "background"),
    [
        ("test-iptables-server 1234 &", "test-iptables-server 1234 "),
        ("python3 -m http.server 80 2> /var/log/http.log &  ", "python3 -m http.server 80 2> /var/log/http.log "),
        ("a & b &", "a & b "),
        ("true && false", None),
        ("nc -l 80 > /tmp/x 2>&1", None),
        ("echo \\&", None),
        ("echo '&'", None),
    ],
)
def test_a_trailing_ampersand_makes_a_background_job(line: str, background: str | None) -> None:
    match = _BACKGROUND.fullmatch(line)
    assert (match.group(1) if match else None) == background
