"""Binary files in a machine: exact bytes back, sizes in bytes, text tools unharmed."""

from __future__ import annotations

from nflab.lab.files import Filesystem


def test_bytes_round_trip_even_when_written_in_pieces() -> None:
    fs = Filesystem()
    data = bytes(range(256)) + "é€".encode() + b"\xff\xfe"
    fs.write_bytes("/a", data)
    assert fs.read_bytes("/a") == data and fs.size("/a") == len(data)
    fs.open_for_write("/b")
    for i in range(0, len(data), 3):  # multi-byte characters cut between writes
        fs.append_bytes("/b", data[i : i + 3])
    assert fs.read_bytes("/b") == data and fs.size("/b") == len(data)


def test_text_files_are_unchanged() -> None:
    fs = Filesystem()
    fs.write("/t", "héllo\n")
    assert fs.read_bytes("/t") == "héllo\n".encode() and fs.size("/t") == 7
