"""A KeyedTable draws its cells exactly as DataTable does, segment by segment and style by style.

KeyedTable draws a one-line text cell its own, faster way (see keyed_table.py); DataTable is
the reference. Every kind of cell the dashboard shows or could be given is drawn by both, side
by side in one app, in every state a cell is drawn in: zebra rows, the cursor row, the hovered
row, a focused and an unfocused table, columns cut narrower than their text.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.padding import Padding
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable, Input

from tui.views.widgets.keyed_table import KeyedTable

CELLS: list[Any] = [
    Text("plain"),
    Text("bold and red", style="bold red"),
    Text.assemble(("up", "green"), " 3 ", ("minutes", "italic")),
    Text("right", justify="right"),
    Text("centre", justify="center"),
    Text("left", justify="left"),
    Text("full justified text", justify="full"),
    Text("an ellipsis for a long one", overflow="ellipsis"),
    Text("cropped when too long for its column", overflow="crop"),
    Text("folded when too long for its column", overflow="fold"),
    Text("ignored overflow, cut by its column", overflow="ignore", style="bold"),
    Text("no wrap given", no_wrap=True, style="underline"),
    Text(""),
    Text("   spaces around   "),
    Text("a\ttab"),
    Text("漢字のコンテナ名前"),
    Text("emoji 🐳🐳🐳 whale"),
    Text("[/oops] not markup"),
    Text("two lines, the second\nthe longest of its column"),  # DataTable's own way
    Text("ends with a space ", style="reverse"),
    Text("link", style="link https://example.invalid"),
    "a str",
    12.5,
    None,
]
WIDTHS: list[int | None] = [  # one per cell above: some cut their cell
    None,
    None,
    4,
    7,
    1,
    9,
    None,
    6,
    10,
    10,
    8,
    None,
    3,
    None,
    5,
    8,
    7,
    3,
    None,
    2,
    None,
    None,
    4,
    None,
]


class Pair(App[None]):
    """The same rows in a KeyedTable and a DataTable, one above the other."""

    CSS = "DataTable { height: 12; } Input { height: 3; }"

    def __init__(
        self, cursor_foreground: str, labelled: bool, cursor_type: str, columns: int, zebra: bool
    ) -> None:
        super().__init__()
        self.cursor_foreground = cursor_foreground
        self.labelled, self.cursor_type, self.columns, self.zebra = (
            labelled,
            cursor_type,
            columns,
            zebra,
        )

    def compose(self) -> ComposeResult:
        yield KeyedTable(unique_column="c0", id="keyed")
        yield DataTable(id="reference")
        yield Input(id="elsewhere")

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.cursor_foreground_priority = self.cursor_foreground  # type: ignore[assignment]
            table.cursor_type = self.cursor_type  # type: ignore[assignment]
            table.zebra_stripes = self.zebra
            for n, width in enumerate(WIDTHS[: self.columns]):
                table.add_column(f"c{n}", key=f"c{n}", width=width)

            def row(cells: list[Any]) -> list[Any]:
                return [c.copy() if isinstance(c, Text) else c for c in cells[: self.columns]]

            for n in range(6):
                table.add_row(*row(CELLS[n:] + CELLS[:n]), key=f"r{n}")
            # DataTable's own way: two lines high; as high as its cells; not text; a label
            table.add_row(*row(CELLS), key="tall", height=2)
            table.add_row(*row(CELLS[10:] + CELLS[:10]), key="auto", height=None)
            padded = Padding("a padded renderable", (0, 2))
            table.add_row(*row([padded, *CELLS[1:]]), key="rich")
            if self.labelled:
                table.add_row(*row(CELLS[5:] + CELLS[:5]), key="labelled", label="a label")


def _drawn(table: DataTable[Any]) -> list[list[Segment]]:
    """The table's lines as the screen gets them, runs of one style merged."""
    width, height = table.size
    lines = table.render_lines(Region(0, 0, width, height))
    return [list(Segment.simplify(strip)) for strip in lines]


async def _each(pilot: Any, tables: list[DataTable[Any]], focused: bool, hover: bool) -> list:
    """Each table drawn in the same state: focused or not, hovered by the mouse or not."""
    drawn = []
    for table in tables:
        if focused:
            table.focus()
        else:
            pilot.app.query_one("#elsewhere").focus()
        await pilot.hover(f"#{table.id}" if hover else "#elsewhere", offset=(3, 4))
        await pilot.pause()
        drawn.append(_drawn(table))
    return drawn


@pytest.mark.parametrize(
    ("cursor_foreground", "labelled", "cursor_type", "columns", "zebra"),
    [
        ("css", True, "row", len(CELLS), True),  # a label: DataTable draws the lines
        ("renderable", True, "row", len(CELLS), True),
        ("css", False, "row", len(CELLS), True),  # KeyedTable draws the lines
        ("renderable", False, "row", 6, True),  # narrower than the table: the rest filled
        ("css", False, "cell", 6, True),
        ("css", False, "none", 6, False),
    ],
)
async def test_every_kind_of_cell_is_drawn_as_datatable_draws_it(
    cursor_foreground: str, labelled: bool, cursor_type: str, columns: int, zebra: bool
) -> None:
    app = Pair(cursor_foreground, labelled, cursor_type, columns, zebra)
    async with app.run_test(size=(200, 40)) as pilot:
        tables = [app.query_one("#keyed", DataTable), app.query_one("#reference", DataTable)]
        await pilot.pause()
        keyed, reference = tables
        assert keyed.virtual_size == reference.virtual_size
        widths = [[c.get_render_width(t) for c in t.ordered_columns] for t in tables]
        assert widths[0] == widths[1]
        compared = 0
        for state in ("first", "cursor on row 3", "scrolled right", "scrolled down"):
            for table in tables:
                if state == "cursor on row 3":
                    table.move_cursor(row=3)
                elif state == "scrolled right":
                    table.scroll_to(x=40, animate=False)
                elif state == "scrolled down":
                    table.scroll_to(x=0, y=3, animate=False)
            for focused in (True, False):
                for hover in (False, True):
                    mine, theirs = await _each(pilot, tables, focused, hover)
                    assert len(mine) == len(theirs) > 6
                    for y, (line, expected) in enumerate(zip(mine, theirs, strict=True)):
                        where = (state, focused, hover, y)
                        assert line == expected, f"{where}\n{line}\n{expected}"
                        compared += 1
        assert compared >= 16 * 7
