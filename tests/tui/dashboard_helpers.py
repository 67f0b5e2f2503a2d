"""Waiting for the app to settle without sleeping a fixed time."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable


async def until(pilot: Pilot, condition: Callable[[], bool], tries: int = 200) -> None:
    """Pause the pilot until `condition()` holds (fails after `tries` pauses of 50 ms)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app did not reach the expected state")


async def settled(pilot: Pilot, rows: int) -> None:
    """Wait until the containers table has `rows` rows and running ones have stats."""
    app = pilot.app
    pane = app.containers  # type: ignore[attr-defined]
    await until(pilot, lambda: pane.table.row_count == rows)
    running = [cid for cid, info in pane.infos.items() if info.is_running]
    await until(pilot, lambda: all(cid in pane.samples for cid in running))
    pane.refresh_rows()
    await until(pilot, lambda: pane.flush_timer is None and columns_fit(pane.table))
    await pilot.pause()


def columns_fit(table: DataTable) -> bool:
    """Whether every column is as wide as its widest cell.

    DataTable widens its columns on its next idle, not when a cell changes: a snapshot taken
    before then shows the new figures cut off.
    """
    for key, column in table.columns.items():
        cells = table.get_column(key)
        widest = max((c.cell_len if isinstance(c, Text) else len(str(c)) for c in cells), default=0)
        if column.content_width < widest:
            return False
    return True
