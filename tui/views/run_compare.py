"""Two training runs side by side: metrics and provenance, the differences marked.

The rows are tui.lab.run_report's (the same `./lab runs --compare` prints); each value is cut
to half of what the screen leaves beside the field names, and a row whose values differ is
marked `≠` and highlighted. `f` shows only the differences.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.lab.run_report import PER_RUN, CompareRow, compare
from tui.lab.runs import RunRecord
from tui.views.widgets.footer import LabFooter

MARK = "≠"
FIELD_WIDTH = 30


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


class RunCompareScreen(Screen[None]):
    """Run A and run B, field by field."""

    DEFAULT_CSS = """
    RunCompareScreen #compare-title { height: auto; padding: 0 1; background: $boost; }
    RunCompareScreen #compare-table { height: 1fr; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("f", "toggle_filter", "Only differences"),
    ]

    def __init__(self, a: RunRecord, b: RunRecord, names: tuple[str, str]) -> None:
        """`names` label the two columns (e.g. `run 3`)."""
        super().__init__()
        self.a, self.b, self.names = a, b, names
        self.rows = compare(a, b)
        self.only_differences = False

    @property
    def differing(self) -> list[CompareRow]:
        """The rows whose values differ."""
        return [row for row in self.rows if row.differs]

    def title_text(self) -> str:
        """Which runs, and how many fields differ besides those that always do."""
        counted = [row for row in self.differing if row.field not in PER_RUN]
        same = "identical" if self.a.digest and self.a.digest == self.b.digest else "different"
        return (
            f"A = {self.names[0]} ({self.a.started_at[:19]}), B = {self.names[1]} "
            f"({self.b.started_at[:19]}): model digests {same}; {len(counted)} fields differ "
            f"besides the run's own id, times and model file ({MARK}). f: only differences"
        )

    def compose(self) -> ComposeResult:
        """The title line, the table, the footer."""
        yield Static(Text(self.title_text()), id="compare-title")
        yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
        yield LabFooter()

    def on_mount(self) -> None:
        """Fill the table for the screen's width."""
        self.fill()

    def on_resize(self, event: events.Resize) -> None:
        """Values are cut to the width: fill again."""
        self.fill()

    def value_width(self) -> int:
        """How wide each run's column is."""
        return max(12, (self.size.width - FIELD_WIDTH - 12) // 2)

    def fill(self) -> None:
        """(Re)build the rows, cut to the current width."""
        table = self.query_one("#compare-table", DataTable)
        width = self.value_width()
        table.clear(columns=True)
        table.add_column("", width=1, key="mark")
        table.add_column("field", width=FIELD_WIDTH, key="field")
        table.add_column(f"A: {self.names[0]}", width=width, key="a")
        table.add_column(f"B: {self.names[1]}", width=width, key="b")
        rows = self.differing if self.only_differences else self.rows
        for row in rows:
            style = "bold yellow" if row.differs else ""
            table.add_row(
                Text(MARK if row.differs else "", style=style),
                Text(_cut(row.field, FIELD_WIDTH), style=style),
                Text(_cut(row.a, width), style=style),
                Text(_cut(row.b, width), style=style),
            )

    def action_toggle_filter(self) -> None:
        """Only the differences, or every field."""
        self.only_differences = not self.only_differences
        self.fill()
