"""Waiting for the app to settle without sleeping a fixed time."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot


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
    await pilot.pause()
