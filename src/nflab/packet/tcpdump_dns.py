"""What tcpdump prints for a DNS query on port 53 (``ns_print``, print-domain.c).

Only the queries a stub resolver sends are decoded (one question, no
records): ``46815+ PTR? 3.2.1.10.in-addr.arpa. (39)`` is the id, ``+`` for
recursion desired, the question's type and name, and the DNS message's
length. Anything else on port 53 is left to the generic UDP line.
"""

from __future__ import annotations

_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
          33: "SRV", 255: "ANY"}  # fmt: skip


def dns_query_text(data: bytes) -> str | None:
    """The line's text for a standard query, None when ``data`` is not one."""
    if len(data) < 12:
        return None
    qid, flags = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
    counts = [int.from_bytes(data[i : i + 2], "big") for i in range(4, 12, 2)]
    if flags & 0x8000 or (flags >> 11) & 0xF or counts != [1, 0, 0, 0] or flags & 0x6CF:
        return None  # a response, another opcode, or what ns_print flags as weird
    labels: list[str] = []
    at = 12
    while True:
        if at >= len(data):
            return None
        size = data[at]
        at += 1
        if size == 0:
            break
        if size & 0xC0 or at + size > len(data):
            return None
        labels.append(data[at : at + size].decode("latin-1"))
        at += size
    if at + 4 > len(data) or int.from_bytes(data[at + 2 : at + 4], "big") != 1:
        return None  # no room for type and class, or not class IN
    qtype = int.from_bytes(data[at : at + 2], "big")
    name = ".".join(labels) + "." if labels else "."
    rd = "+" if flags & 0x0100 else ""
    cd = "%" if flags & 0x0010 else ""
    return f"{qid}{rd}{cd} {_TYPES.get(qtype, f'Type{qtype}')}? {name} ({len(data)})"
