"""glibc's DNS queries for names /etc/hosts does not know: the transcripts beside this file
were recorded on the real kernel; the unit tests pin the query bytes and tcpdump's line."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from helpers import assert_transcript
from nflab.packet.tcpdump_dns import dns_query_text
from nflab.programs.dns_stub import QTYPE_AAAA, QTYPE_PTR, ptr_name, query

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    "name", ["dns-queries.md", "dns-dropped.md", "dns-forward.md", "hosts-in-options.md", "localhost-lookups.md"]
)
def test_transcript(name: str) -> None:
    assert_transcript(HERE / name)


def test_query_bytes_and_tcpdump_line() -> None:
    ptr = query(46815, ptr_name(IPv4Address("10.1.2.3")), QTYPE_PTR)
    assert len(ptr) == 39  # as tcpdump counted it on the kernel: "(39)"
    assert dns_query_text(ptr) == "46815+ PTR? 3.2.1.10.in-addr.arpa. (39)"
    aaaa = query(7, "nosuchhost", QTYPE_AAAA)
    assert dns_query_text(aaaa) == "7+ AAAA? nosuchhost. (28)"
    # not a query: a response bit, two questions, a truncated name
    assert dns_query_text(b"\x00\x07\x81\x00" + ptr[4:]) is None
    assert dns_query_text(ptr[:4] + b"\x00\x02" + ptr[6:]) is None
    assert dns_query_text(ptr[:20]) is None
