"""A machine's files: paths, errors with their errno, devices, globbing."""

from __future__ import annotations

import pytest

from nflab.lab.files import Filesystem, FsError, NullDevice


@pytest.fixture
def fs() -> Filesystem:
    fs = Filesystem()
    fs.mkdir("/etc/iptables", parents=True)
    fs.mkdir("/tmp")
    fs.write("/etc/hosts", "127.0.0.1 localhost\n")
    fs.devices["/dev/null"] = NullDevice()
    return fs


def test_resolve() -> None:
    assert Filesystem.resolve("x", "/root") == "/root/x"
    assert Filesystem.resolve("../etc//hosts", "/root") == "/etc/hosts"
    assert Filesystem.resolve("/a/./b/", "/root") == "/a/b"


@pytest.mark.parametrize(
    ("path", "errno"),
    [("/etc/nope", "ENOENT"), ("/etc", "EISDIR"), ("/etc/hosts/x", "ENOTDIR"), ("/no/dir/f", "ENOENT")],
)
def test_read_errors(fs: Filesystem, path: str, errno: str) -> None:
    with pytest.raises(FsError) as info:
        fs.read(path)
    assert info.value.errno == errno


def test_write_truncates_append_appends_and_needs_a_directory(fs: Filesystem) -> None:
    fs.write("/tmp/f", "a")
    fs.open_for_write("/tmp/f", append=True)
    fs.append("/tmp/f", "b")
    assert fs.read("/tmp/f") == "ab"
    fs.open_for_write("/tmp/f")
    assert fs.read("/tmp/f") == ""
    with pytest.raises(FsError) as info:
        fs.open_for_write("/nodir/f")
    assert info.value.strerror == "No such file or directory"
    with pytest.raises(FsError) as info:
        fs.open_for_write("/tmp")
    assert info.value.strerror == "Is a directory"


def test_devices(fs: Filesystem) -> None:
    fs.write("/dev/null", "gone")
    assert fs.read("/dev/null") == ""
    assert "/dev/null" not in fs.files


def test_listdir_and_glob(fs: Filesystem) -> None:
    assert fs.listdir("/etc") == ["hosts", "iptables"]
    assert fs.glob("/etc/h*") == ["/etc/hosts"]
    assert fs.glob("/e?c/*") == ["/etc/hosts", "/etc/iptables"]
    assert fs.glob("/*/iptables") == ["/etc/iptables"]
    assert fs.glob("/nope/*") == []
