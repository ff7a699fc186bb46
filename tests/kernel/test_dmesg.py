"""A lab machine's dmesg: which kernel log records are that machine's (no root needed)."""

from __future__ import annotations

import ipaddress

from nflab.kernel.dmesg import MachineView, belongs, log_fields, view_of
from nflab.kernel.kmsg import Record, parse_record

GW = MachineView(
    interfaces=frozenset({"lo", "eth0", "eth1"}),
    macs=frozenset({"00:00:00:00:00:00", "aa:aa:aa:aa:aa:01", "aa:aa:aa:aa:aa:02"}),
    addresses=frozenset(map(ipaddress.ip_address, ("127.0.0.1", "10.0.2.2", "203.0.113.1"))),
)
INTERNET = MachineView(
    interfaces=frozenset({"lo", "eth0"}),
    macs=frozenset({"00:00:00:00:00:00", "bb:bb:bb:bb:bb:01"}),
    addresses=frozenset(map(ipaddress.ip_address, ("127.0.0.1", "203.0.113.35"))),
)


def line(fields: str, prefix: str = "") -> dict[str, str]:
    parsed = log_fields(f"{prefix}{fields} LEN=60 TOS=0x00 PREC=0x00 TTL=64 PROTO=TCP SPT=1 DPT=22")
    assert parsed is not None
    return parsed


def test_log_fields_start_at_in_whatever_the_prefix_says() -> None:
    fields = line("IN=eth0 OUT= MAC=aa:aa:aa:aa:aa:01:cc:cc:cc:cc:cc:cc:08:00 SRC=10.0.2.15 DST=10.0.2.2", "X=1 ssh: ")
    assert fields["IN"] == "eth0" and fields["OUT"] == "" and fields["SRC"] == "10.0.2.15"
    assert "X" not in fields
    assert log_fields("eth0: link becomes ready") is None


def test_a_received_frame_belongs_to_the_owner_of_its_destination_mac() -> None:
    to_gw = line("IN=eth0 OUT= MAC=aa:aa:aa:aa:aa:01:cc:cc:cc:cc:cc:cc:08:00 SRC=10.0.2.15 DST=10.0.2.2")
    assert belongs(to_gw, GW)
    assert not belongs(to_gw, INTERNET)  # it has an eth0 too, not that MAC
    forwarded = line("IN=eth0 OUT=eth1 MAC=aa:aa:aa:aa:aa:01:cc:cc:cc:cc:cc:cc:08:00 SRC=10.0.2.15 DST=203.0.113.35")
    assert belongs(forwarded, GW) and not belongs(forwarded, INTERNET)  # no eth1 there


def test_a_sent_packet_belongs_to_the_owner_of_its_source_address() -> None:
    sent = line("IN= OUT=eth0 SRC=203.0.113.35 DST=203.0.113.1")
    assert belongs(sent, INTERNET) and not belongs(sent, GW)


def test_broadcasts_and_loopback_cannot_be_told_apart_beyond_interface_names() -> None:
    broadcast = line("IN=eth0 OUT= MAC=ff:ff:ff:ff:ff:ff:cc:cc:cc:cc:cc:cc:08:00 SRC=1.2.3.4 DST=255.255.255.255")
    assert belongs(broadcast, GW) and belongs(broadcast, INTERNET)
    bridged = line("IN=br0 OUT=br0 PHYSIN=veth0 PHYSOUT=veth1 MAC=aa:aa:aa:aa:aa:01:cc:cc:cc:cc:cc:cc:08:00 SRC=1.1.1.1 DST=2.2.2.2")
    assert not belongs(bridged, GW)  # no br0, veth0, veth1 there


def test_a_bridged_frame_belongs_to_the_machine_of_the_bridge_ports() -> None:
    # br_netfilter: the frame is addressed to another machine behind the bridge
    host = MachineView(
        interfaces=frozenset({"lo", "br0", "p1", "p2"}),
        macs=frozenset({"aa:aa:aa:aa:aa:09"}),
        addresses=frozenset({ipaddress.ip_address("10.9.0.254")}),
    )
    forwarded = line("IN=br0 OUT=br0 PHYSIN=p1 PHYSOUT=p2 MAC=bb:bb:bb:bb:bb:02:bb:bb:bb:bb:bb:01:08:00 SRC=10.9.0.1 DST=10.9.0.2")
    posted = line("IN= OUT=br0 PHYSIN=p1 PHYSOUT=p2 SRC=10.9.0.1 DST=10.9.0.2")
    assert belongs(forwarded, host) and belongs(posted, host)
    assert not belongs(forwarded, GW)


def test_view_of_ip_json_links() -> None:
    links = [
        {"ifname": "lo", "address": "00:00:00:00:00:00", "addr_info": [{"local": "127.0.0.1"}, {"local": "::1"}]},
        {"ifname": "eth0", "address": "AA:BB:CC:DD:EE:FF"},
    ]
    view = view_of(links)
    assert view.interfaces == {"lo", "eth0"}
    assert "aa:bb:cc:dd:ee:ff" in view.macs
    assert ipaddress.ip_address("::1") in view.addresses


def test_kmsg_records_as_dmesg_prints_them() -> None:
    record = parse_record(b"4,1234,5563123456,-;ssh: IN=eth0 OUT= SRC=1.2.3.4\n SUBSYSTEM=net\n")
    assert record == Record(1234, 5563123456, 4, "ssh: IN=eth0 OUT= SRC=1.2.3.4")
    assert record.dmesg_line() == "[ 5563.123456] ssh: IN=eth0 OUT= SRC=1.2.3.4"
    assert Record(1, 5_000_042, 6, "x").dmesg_line() == "[    5.000042] x"
    assert record.dmesg_line(with_time=False) == "ssh: IN=eth0 OUT= SRC=1.2.3.4"
    assert parse_record(b"garbage") is None
