"""The containers table: which columns it shows, in which order, and the sorted one's arrow."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.views.presentation import Cells
from tui.views.widgets.keyed_table import KeyedTable

# Stats columns keep a fixed width, as `docker stats` and ctop do: the table does not shift
# sideways as figures grow and shrink, and its layout no longer depends on when DataTable
# remeasures. Enough for "1600.00%", "99.99MiB / 23.54GiB" and "10.3kB / 7.95kB"; a longer
# figure is cut at the right.
STATS_WIDTHS = {"cpu": 8, "mem": 19, "net": 15, "block": 15}
# The columns in the order shown by default: CPU and memory next to the state, so that they
# fit in a 100-column terminal; the preferences' `columns` list shows its own choice and order.
COLUMNS = [
    ("host", "Host"),  # shown only when the dashboard watches several engines
    ("name", "Name"),
    ("state", "State"),
    ("cpu", "CPU %"),
    ("mem", "Memory"),
    ("image", "Image"),
    ("status", "Status"),
    ("ports", "Ports"),
    ("net", "Net I/O"),
    ("block", "Block I/O"),
]


class ContainersTable(KeyedTable):
    """The containers' rows (a project's header row too), in the columns chosen."""

    def __init__(self, keys: list[str] | None, *, hosts: bool, **kwargs: Any) -> None:
        """Show the columns `keys` in this order (None: the default ones), with a Host column
        first when `hosts` asks for one that `keys` does not place."""
        super().__init__(unique_column="name", **kwargs)
        default = [key for key, _ in COLUMNS if key != "host"]
        self.use_columns(keys or default, hosts)

    def use_columns(self, keys: list[str], hosts: bool) -> None:
        """Add the columns shown, in order (after any there were are cleared)."""
        labels = dict(COLUMNS)
        wanted = [*(["host"] if hosts and "host" not in keys else []), *keys]
        self.shown_columns = [(key, labels[key]) for key in wanted]
        for key, label in self.shown_columns:
            self.add_column(label, key=key, width=STATS_WIDTHS.get(key))

    @property
    def keys(self) -> list[str]:
        """The keys of the columns shown, in order."""
        return [key for key, _ in self.shown_columns]

    def show_hosts(self) -> bool:
        """A Host column first (every row must then be drawn again); False if it was there."""
        if "host" in self.keys:
            return False
        keys = self.keys
        self.clear(columns=True)
        self.use_columns(keys, hosts=True)
        return True

    def shown(self, cells: Cells) -> list[Any]:
        """A row's cells in the columns shown."""
        return [cells[key] for key in self.keys]

    def label_sorted(self, column: str, reverse: bool) -> None:
        """An arrow on the sorted column's label (the table redrawn only when one changed)."""
        changed = False
        for key, label in self.shown_columns:
            arrow = (" ▼" if reverse else " ▲") if key == column else ""
            header = self.columns[key]  # type: ignore[index]
            if header.label.plain != label + arrow:
                header.label = Text(label + arrow)
                changed = True
        if changed:  # an unconditional refresh would redraw the table every second
            self.refresh()
