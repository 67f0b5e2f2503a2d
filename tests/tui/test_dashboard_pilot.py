"""Pilot tests on fixed data (FixedBackend): behaviour that must not depend on the engine."""

import dataclasses
import time

import pytest

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.engine.events import EngineEvent
from tui.views.app import ContainerLabApp
from tui.views.containers import pane as containers_pane
from tui.views.containers.detail import DetailScreen
from tui.views.inspect.screen import InspectScreen
from tui.views.logs.screen import LogsScreen
from tui.views.widgets.confirm import ConfirmScreen


def key_of(app, name):
    return next(cid for cid, info in app.containers.rows.infos.items() if info.name == name)


async def test_no_engine_shows_banner_then_reconnects_by_itself():
    backend = FixedBackend(up=False)
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        banner = app.query_one("#banner")
        await until(pilot, lambda: banner.display)
        assert "container-lab engine up" in str(banner.render())
        assert app.containers.table.row_count == 0
        backend.up = True
        await settled(pilot, 4)
        assert not banner.display


async def test_rows_update_in_place_and_cursor_stays_on_its_container():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        table = app.containers.table
        await pilot.press("j", "j")
        chosen = table.cursor_key
        # a new container appears, one changes state, one goes: the cursor keeps its container
        new = dataclasses.replace(backend.infos[key_of(app, "web")], id="9" * 32, name="aaa-new")
        backend.infos[new.id] = new
        old_job = key_of(app, "old-job")
        del backend.infos[old_job]
        for cid, action in [(new.id, "create"), (old_job, "destroy")]:
            backend.emit(EngineEvent("container", action, cid))
        await until(pilot, lambda: table.row_count == 4 and new.id in table.row_keys())
        assert old_job not in table.row_keys()
        assert table.cursor_key == chosen


async def test_filter_sort_and_running_toggle():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        table = app.containers.table
        await pilot.press("slash", "w", "e", "b")
        await until(pilot, lambda: table.row_count == 1)
        await pilot.press("escape")
        await until(pilot, lambda: table.row_count == 4)
        await pilot.press("a")
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("a", "o")  # sort by the next column shown after the state: CPU
        assert app.containers.rows.sort_column == "cpu"


async def test_destructive_action_asks_first():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="no question")
        assert backend.actions == []
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: backend.actions == [("kill", target)], what="the kill")
        # every action worker has ended: the "n" did not send a kill that was merely slower
        await until(
            pilot,
            lambda: not any(feed.busy for feed in app.engines.feeds.values()),
            what="the action workers to end",
        )
        assert backend.actions == [("kill", target)]


async def test_removed_container_closes_its_view_with_a_notice():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock)
    notes = record_notices(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the detail")
        await pilot.press("l")  # the detail's own `l` opens the logs on top of it
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs")
        assert app.screen.container_id == target
        del backend.infos[target]
        backend.emit(EngineEvent("container", "destroy", target))
        await until(
            pilot,
            lambda: not isinstance(app.screen, DetailScreen) and app.screen is app.screen_stack[0],
        )
        # the notice is a message too
        await until(pilot, lambda: any("was removed" in note for note in notes), what="notice")


async def test_help_and_palette_list_the_actions():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Stop container", "Container logs", "Remove image", "Filter containers"):
            assert wanted in titles
        await pilot.press("question_mark")
        await until(pilot, lambda: bool(app.screen.query("HelpPanel")), what="the help panel")


async def test_a_sample_is_drawn_when_it_arrives_not_on_the_next_refresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A redraw gap far longer than the flush delay: a flush that ignored the gap would come
    # seconds early, so the lower bound below cannot hold by chance, and a slow machine only
    # makes the flush later, never earlier.
    gap = 3.0
    monkeypatch.setattr(containers_pane, "STATS_REDRAW_GAP", gap)
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        pane, table = app.containers, app.containers.table
        web = key_of(app, "web")
        sample = dataclasses.replace(pane.rows.samples[web], cpu_percent=42.5)
        flushes: list[tuple[float, bool]] = []  # when each flush ran, and whether it was drawn
        flush = pane.flush_stats

        def recorded_flush() -> None:
            flushes.append((time.monotonic(), pane.rows.samples[web] is sample))
            flush()

        pane.flush_stats = recorded_flush  # type: ignore[method-assign]
        pane.last_redraw = time.monotonic()  # a redraw just now: this flush waits the gap
        gap_ends = pane.last_redraw + gap
        app.engines.feeds["fixed"].deliver([sample])
        # Only a flush takes samples from the inbox (the 1 s refresh draws what was taken).
        await until(pilot, lambda: pane.rows.samples[web] is sample, what="the sample to be taken")
        assert len(flushes) == 1, flushes
        flushed_at, drawn_before = flushes[0]
        assert not drawn_before, "it waits in the inbox until the flush"
        assert flushed_at >= gap_ends - 0.05, f"flushed {gap_ends - flushed_at:.2f} s early"
        await until(pilot, lambda: str(table.get_cell(web, "cpu")) == "42.50%", what="the cell")
        # an unchanged row changes nothing in the table, so nothing is redrawn
        assert not table.upsert(web, pane.row_cells(web))


async def test_an_inspect_view_closes_when_its_container_is_removed():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock)
    notes = record_notices(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen), what="the inspect view")
        del backend.infos[target]
        backend.emit(EngineEvent("container", "destroy", target))
        await until(pilot, lambda: app.screen is app.screen_stack[0], what="the view closed")
        await until(pilot, lambda: any("its view was closed" in note for note in notes))


async def test_keys_typed_ahead_of_the_filter_box_go_into_it():
    """`/` then `web` in one burst (a paste, a served session's packet, a loaded machine): the
    letters are the filter's, not the table's keys (`l` would open logs, `s` save, ...)."""
    from textual import events
    from textual.widgets import Input

    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        for key, character in (("slash", "/"), ("l", "l"), ("o", "o"), ("g", "g")):
            app.post_message(events.Key(key, character))  # one burst, as the driver posts it
        box = app.query_one("#container-filter", Input)
        await until(pilot, lambda: box.value == "log" or isinstance(app.screen, LogsScreen))
        assert box.value == "log", "the letters typed after / went to the table"
        assert app.focused is box and not isinstance(app.screen, LogsScreen)
