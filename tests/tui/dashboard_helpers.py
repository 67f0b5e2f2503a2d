"""Waiting for the app to settle without sleeping a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable

WAIT_SECONDS = (
    30.0  # generous: a loaded CI machine is slow, and a wait ends when its condition holds
)


async def until(
    pilot: Pilot,
    condition: Callable[[], bool],
    seconds: float = WAIT_SECONDS,
    what: str = "the expected state",
    *,
    tries: int | None = None,
) -> None:
    """Pause the pilot until `condition()` holds; fail naming `what` after `seconds`.

    The bound is wall-clock time, not a count of pauses, so it means the same on a busy machine.
    `tries` (the old bound, in pauses of 50 ms) is still accepted and can only lengthen it.
    """
    if tries is not None:
        seconds = max(seconds, tries * 0.05)
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds:g} s the app had not reached {what}")
        await pilot.pause(0.05)


def record_notices(app: App[Any]) -> list[str]:
    """Every notice the app shows from now on, kept (shown ones expire after a few seconds)."""
    seen: list[str] = []
    notify = app.notify

    def recorded(message: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recorded  # type: ignore[method-assign]
    return seen


async def settled(pilot: Pilot, rows: int) -> None:
    """Wait until the containers table has `rows` rows and running ones have stats."""
    app = pilot.app
    pane = app.containers  # type: ignore[attr-defined]
    await until(pilot, lambda: pane.table.row_count == rows)
    running = [cid for cid, info in pane.rows.infos.items() if info.is_running]
    await until(pilot, lambda: all(cid in pane.rows.samples for cid in running))
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
