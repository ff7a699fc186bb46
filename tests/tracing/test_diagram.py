"""The connection figure: boxes around what each NAT step changed, any number of steps."""

from __future__ import annotations

from ipaddress import IPv4Address

from nflab.packet.headers import IPPROTO_ICMP, IPPROTO_TCP
from nflab.trace.diagram import block, render
from nflab.trace.flows import Flow
from nflab.trace.report import Connection, Leg, NatStep, Path


def flow(src: str, sport: int, dst: str, dport: int, proto: int = IPPROTO_TCP) -> Flow:
    return Flow(proto, IPv4Address(src), sport, IPv4Address(dst), dport)


def path(legs: list[Flow], steps: list[tuple[str, str]], start: str, end: str,
         fate: str = "delivered") -> Path:
    return Path(1, tuple(Leg(f, ()) for f in legs),
                tuple(NatStep(m, "PREROUTING", t, "", ()) for m, t in steps), start, end, fate)


def test_a_changed_port_alone_is_boxed() -> None:
    rows = [text for text, _ in block(flow("192.168.57.1", 60332, "192.168.57.3", 12345),
                                      {"dport"}).rows]
    assert rows == [
        " sip: 192.168.57.1, sport: 60332 ",
        "                   +------------+",
        " dip: 192.168.57.3,|dport: 12345|",
        "                   +------------+",
    ]


def test_a_changed_address_and_port_box_the_whole_line() -> None:
    rows = [text for text, _ in block(flow("192.168.57.1", 60332, "127.0.0.1", 1234),
                                      {"dst", "dport"}).rows]
    assert rows == [
        " sip: 192.168.57.1, sport: 60332 ",
        "+-------------------------------+",
        "|dip: 127.0.0.1,    dport: 1234 |",
        "+-------------------------------+",
    ]


def test_both_lines_boxed_share_the_border_between_them() -> None:
    rows = [text.rstrip() for text, _ in block(flow("10.0.2.15", 43210, "203.0.113.35", 80),
                                               {"src", "sport", "dst"}).rows]
    assert rows == [
        "+-------------------------------+",
        "|sip: 10.0.2.15,    sport: 43210|",
        "+------------------+------------+",
        "|dip: 203.0.113.35,|dport: 80",
        "+------------------+",
    ]


def test_redirect_figure_as_in_the_tutorial() -> None:
    request = path([flow("192.168.57.1", 60332, "192.168.57.3", 12345),
                    flow("192.168.57.1", 60332, "192.168.57.3", 1234)],
                   [("vm", "REDIRECT")], "Client", "Server")
    reply = path([flow("192.168.57.3", 1234, "192.168.57.1", 60332),
                  flow("192.168.57.3", 12345, "192.168.57.1", 60332)],
                 [("vm", "REDIRECT")], "Server", "Client")
    lines = render(Connection(1, request.legs[0].flow, "Client", "Server", request, reply, ()))
    assert lines == [
        "          sip: 192.168.57.1, sport: 60332                     sip: 192.168.57.1, sport: 60332",
        "                            +------------+                                      +------------+",
        "          dip: 192.168.57.3,|dport: 12345|                    dip: 192.168.57.3,|dport: 1234 |",
        "                            +------------+                                      +------------+",
        "        -----------------------------------> NAT (REDIRECT) ----------------------------------->",
        "Client                                             vm                                            Server",
        "        <----------------------------------- NAT (REDIRECT) <-----------------------------------",
        "                            +------------+                                      +------------+",
        "          sip: 192.168.57.3,|sport: 12345|                    sip: 192.168.57.3,|sport: 1234 |",
        "                            +------------+                                      +------------+",
        "          dip: 192.168.57.1, dport: 60332                     dip: 192.168.57.1, dport: 60332",
    ]  # fmt: skip


def test_any_number_of_steps_in_order_with_their_machines() -> None:
    legs = [flow("192.168.57.1", 54321, "192.168.57.3", 12347),
            flow("192.168.57.1", 54321, "183.3.226.35", 80),
            flow("10.0.2.15", 54321, "183.3.226.35", 80),
            flow("203.0.113.1", 54321, "183.3.226.35", 80)]
    request = path(legs, [("vm", "DNAT"), ("vm", "SNAT"), ("gw", "MASQUERADE")], "host", "qq")
    reply = path([f.reversed() for f in reversed(legs)],
                 [("gw", "MASQUERADE"), ("vm", "SNAT"), ("vm", "DNAT")], "qq", "host")
    lines = render(Connection(1, legs[0], "host", "qq", request, reply, ()))
    arrow = next(line for line in lines if "NAT (DNAT)" in line and "-->" in line)
    assert arrow.index("NAT (DNAT)") < arrow.index("NAT (SNAT)") < arrow.index("NAT (MASQUERADE)")
    names = lines[lines.index(arrow) + 1].split()
    assert names == ["host", "vm", "vm", "gw", "qq"]
    back = lines[lines.index(arrow) + 2]
    assert back.strip().startswith("<--") and back.count("NAT (") == 3
    # every address of every leg is in the figure, the reply's too
    text = "\n".join(lines)
    for address in ("192.168.57.3", "183.3.226.35", "10.0.2.15", "203.0.113.1"):
        assert address in text


def test_a_reply_that_died_on_the_way_is_drawn_where_it_went() -> None:
    request = path([flow("192.168.57.1", 5, "192.168.57.3", 12347),
                    flow("192.168.57.1", 5, "203.0.113.35", 80)], [("vm", "DNAT")], "host", "web")
    reply = path([flow("203.0.113.35", 80, "192.168.57.1", 5)], [], "web", "gw", "dropped")
    lines = render(Connection(1, request.legs[0].flow, "host", "web", request, reply, ()))
    back = lines[lines.index(next(x for x in lines if x.startswith("host"))) + 1]
    assert back.strip().startswith("x <---") and "NAT" not in back
    assert "dip: 192.168.57.1" in "\n".join(lines)


def test_no_reply() -> None:
    request = path([flow("192.168.57.1", 5, "192.168.57.3", 22)], [], "host", "vm", "dropped")
    lines = render(Connection(1, request.legs[0].flow, "host", "vm", request, None, ()))
    assert lines[-1].strip() == "(no reply)"


def test_icmp_shows_the_query_id() -> None:
    rows = [text for text, _ in block(flow("10.0.2.15", 7, "203.0.113.35", 7, IPPROTO_ICMP),
                                      {"src", "sport"}).rows]
    assert rows[1] == "|sip: 10.0.2.15,   id: 7|"
    assert rows[3].rstrip() == " dip: 203.0.113.35"


def test_colour_marks_boxes_without_moving_anything() -> None:
    request = path([flow("1.1.1.1", 1, "2.2.2.2", 2), flow("1.1.1.1", 1, "3.3.3.3", 2)],
                   [("r", "DNAT")], "a", "b")
    conn = Connection(1, request.legs[0].flow, "a", "b", request, None, ())
    plain = render(conn)
    coloured = render(conn, colour=True)
    strip = [__import__("re").sub(r"\x1b\[[0-9;]*m", "", line) for line in coloured]
    assert strip == plain and any("\x1b[33m" in line for line in coloured)
