"""The connection diagram, in the tutorial's style (its "画出 ip/tcp 包的内容变化" figures).

The request runs left to right above a line of arrows, the reply right to
left below it. Between two NAT steps (and the ends) a box shows the packet's
addresses and ports on that stretch, ``sip``/``sport`` over ``dip``/``dport``;
the fields a neighbouring NAT step changes are framed with ``+--+`` and ``|``.
Every value comes from the simulated packets, for any number of NAT steps::

              sip: 192.168.57.1,  sport: 40000        sip: 192.168.57.1,  sport: 40000
                                 +------------+                          +-----------+
              dip: 192.168.57.3, |dport: 12345|       dip: 192.168.57.3, |dport: 1234|
                                 +------------+                          +-----------+
            ----------------------------------> NAT (REDIRECT) --------------------------->
    host                                             vm                                    vm
            <---------------------------------- NAT (REDIRECT) <---------------------------
"""

from __future__ import annotations

from dataclasses import dataclass

from ..packet.headers import IPPROTO_ICMP
from .canvas import Canvas
from .flows import Flow
from .report import Connection, Leg, NatStep, Path

_LINES = (("src", "sport", "sip"), ("dst", "dport", "dip"))


@dataclass(frozen=True, slots=True)
class _Block:
    rows: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]  # text, boxed spans to colour

    @property
    def width(self) -> int:
        return max(len(text) for text, _ in self.rows)


def _cells(flow: Flow, line: int) -> tuple[str, str]:
    addr_field, port_field, label = _LINES[line]
    addr = f"{label}: {getattr(flow, addr_field)}"
    if flow.proto == IPPROTO_ICMP:
        if line == 0 and flow.sport:
            return addr + ",", f"id: {flow.sport}"
        return addr, ""
    if not flow.has_ports:
        return addr, ""
    return addr + ",", f"{port_field}: {getattr(flow, port_field)}"


def _changed(legs: tuple[Leg, ...], k: int) -> set[str]:
    """The fields of leg ``k`` that a neighbouring NAT step changes."""
    found: set[str] = set()
    flow = legs[k].flow
    for other in (k - 1, k + 1):
        if 0 <= other < len(legs):
            for name in ("src", "sport", "dst", "dport"):
                if getattr(flow, name) != getattr(legs[other].flow, name):
                    found.add(name)
    if flow.proto == IPPROTO_ICMP:
        found.discard("dport")  # the id is shown once, as sport
    return found


def block(flow: Flow, changed: set[str]) -> _Block:
    cells = [_cells(flow, 0), _cells(flow, 1)]
    w0 = max(len(c[0]) for c in cells)
    w1 = max(len(c[1]) for c in cells)
    texts: list[tuple[str, str | None, tuple[tuple[int, int], ...]]] = []
    for line, (first, second) in enumerate(cells):
        addr_field, port_field, _ = _LINES[line]
        boxed = (addr_field in changed, port_field in changed and bool(second))
        seps = [" ", " ", " "]
        if boxed[0]:
            seps[0] = "|"
        if boxed[1]:
            seps[2] = "|"
        if boxed[0] != boxed[1]:
            seps[1] = "|"
        text = seps[0] + first.ljust(w0) + seps[1] + second.ljust(w1) + seps[2]
        bars = [i for i, ch in enumerate(text) if ch == "|"]
        border = None
        spans: tuple[tuple[int, int], ...] = ()
        if len(bars) == 2:
            left, right = bars
            border = " " * left + "+" + "-" * (right - left - 1) + "+" + " " * (len(text) - right - 1)
            spans = ((left, right + 1),)
        texts.append((text, border, spans))
    rows: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    (t0, b0, s0), (t1, b1, s1) = texts
    if b0:
        rows.append((b0, s0))
    rows.append((t0, s0))
    if b0 and b1:
        rows.append(("".join(_merge(a, b) for a, b in zip(b0, b1, strict=True)), s0 + s1))
    elif b0 or b1:
        rows.append((b0 or b1 or "", s0 or s1))
    rows.append((t1, s1))
    if b1:
        rows.append((b1, s1))
    return _Block(tuple(rows))


def _merge(a: str, b: str) -> str:
    for char in "+-":
        if char in (a, b):
            return char
    return " "


def _label(step: NatStep | None) -> str:
    return f" NAT ({step.target}) " if step is not None else ""


def render(conn: Connection, colour: bool = False) -> list[str]:
    """The figure of a connection: request above the arrows, reply below."""
    request = conn.request
    reply = conn.reply
    n = len(request.legs)
    reply_legs: tuple[Leg, ...] = ()
    reply_steps: tuple[NatStep, ...] = ()
    if reply is not None:
        if len(reply.legs) > n:
            # a reply that went another way: its own figure, under this one
            return render_path(request, colour) + [""] + render_path(reply, colour)
        reply_legs = tuple(reversed(reply.legs))
        reply_steps = tuple(reversed(reply.steps))
    offset = n - len(reply_legs)  # the reply fills the rightmost columns (it died on the way)
    up = [block(leg.flow, _changed(request.legs, k)) for k, leg in enumerate(request.legs)]
    down = [block(leg.flow, _changed(reply_legs, k)) for k, leg in enumerate(reply_legs)]
    labels = [max(_label(s), _label(_at(reply_steps, k - offset)), key=len)
              for k, s in enumerate(request.steps)]
    widths = [max([up[k].width] + ([down[k - offset].width] if k >= offset else [])) + 3
              for k in range(n)]
    margin = max(8, len(request.start) + 2)
    starts = []
    col = margin
    for k in range(n):
        starts.append(col)
        col += widths[k] + (len(labels[k]) if k < n - 1 else 0)
    height = max(len(b.rows) for b in up)
    canvas = Canvas()
    for k, b in enumerate(up):
        _draw(canvas, b, height - len(b.rows), starts[k] + 1)
    arrow, middle, back = height, height + 1, height + 2
    for k in range(n):
        canvas.put(arrow, starts[k], "-" * (widths[k] - 1) + ">", "arrow")
        if k < n - 1:
            canvas.put(arrow, starts[k] + widths[k], labels[k], "nat")
            name = request.steps[k].machine
            centre = starts[k] + widths[k] + (len(labels[k]) - len(name)) // 2
            canvas.put(middle, centre, name, "name")
    canvas.put(middle, 0, request.start, "name")
    canvas.put(middle, col + 1, request.end, "name")
    if reply is None:
        canvas.put(back, margin, "(no reply)", "dim")
        return canvas.lines(colour)
    for k in range(offset, n):
        canvas.put(back, starts[k], "<" + "-" * (widths[k] - 1), "arrow")
        if k < n - 1:
            canvas.put(back, starts[k] + widths[k], labels[k], "nat")
        _draw(canvas, down[k - offset], back + 1, starts[k] + 1)
    if offset or reply.fate not in ("delivered",):
        canvas.put(back, starts[offset] - 2, "x ", "drop")
    return canvas.lines(colour)


def _at(steps: tuple[NatStep, ...], k: int) -> NatStep | None:
    return steps[k] if 0 <= k < len(steps) else None


def _draw(canvas: Canvas, b: _Block, top: int, left: int) -> None:
    for i, (text, spans) in enumerate(b.rows):
        canvas.put(top + i, left, text)
        for start, end in spans:
            canvas.put(top + i, left + start, text[start:end], "box")


def render_path(path: Path, colour: bool = False) -> list[str]:
    """One direction alone (a reply that took another way)."""
    conn = Connection(0, path.legs[0].flow, path.start, path.end, path, None, ())
    lines = render(conn, colour)
    return [line for line in lines if "(no reply)" not in line]
