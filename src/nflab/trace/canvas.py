"""A grid of characters with optional styles, for ASCII figures that may also be coloured."""

from __future__ import annotations

from dataclasses import dataclass, field

# ANSI SGR codes by style name (the coloured terminal output)
STYLES = {
    "box": "33",  # yellow: the fields a NAT step changed
    "nat": "1;35",  # bold magenta: NAT labels
    "name": "1",  # bold: machine names
    "arrow": "36",  # cyan
    "drop": "1;31",  # bold red
    "ok": "32",  # green
    "dim": "2",
    "head": "1;4",  # bold underlined headings
}


def paint(text: str, style: str | None, colour: bool) -> str:
    if not colour or not style or not text:
        return text
    return f"\x1b[{STYLES[style]}m{text}\x1b[0m"


@dataclass
class Canvas:
    rows: list[list[tuple[str, str | None]]] = field(default_factory=list)

    def put(self, row: int, col: int, text: str, style: str | None = None) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        while len(line) < col + len(text):
            line.append((" ", None))
        for i, char in enumerate(text):
            line[col + i] = (char, style)

    def lines(self, colour: bool = False) -> list[str]:
        out = []
        for line in self.rows:
            text = ""
            run, style = "", None
            for char, st in line:
                if st != style:
                    text += paint(run, style, colour)
                    run, style = "", st
                run += char
            text += paint(run, style, colour)
            out.append(text.rstrip())
        return out
