"""Packets: frozen header values, their wire bytes, and what tcpdump makes of them.

- ``headers``: IPv4/TCP/UDP/ICMP values and ``Packet``; ``ipv6``, ``arp``,
  ``ethernet`` (``Frame``) beside them, each with its ``emit``/``parse``
  (``wire`` for IPv4, ``tcp``/``udp``/``icmp`` for the transport headers).
- ``fragments``: IPv4 fragmentation and reassembly.
- ``pcap``: classic pcap files as bytes; ``capture``: one running tcpdump,
  fed frame by frame; ``tcpdump``: its text lines; ``filter``: its filter
  expressions.
"""
