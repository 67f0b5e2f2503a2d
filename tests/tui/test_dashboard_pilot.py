"""Pilot tests on fixed data (FixedBackend): behaviour that must not depend on the engine."""

import dataclasses
import time

from dashboard_helpers import settled, until
from fixed_backend import FixedBackend, fixed_clock

from tui.engine.events import EngineEvent
from tui.views.app import create_app
from tui.views.confirm import ConfirmScreen
from tui.views.detail_screen import DetailScreen


def key_of(app, name):
    return next(cid for cid, info in app.containers.infos.items() if info.name == name)


async def test_no_engine_shows_banner_then_reconnects_by_itself():
    backend = FixedBackend(up=False)
    app = create_app(backend, clock=fixed_clock)
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
    app = create_app(backend, clock=fixed_clock)
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
    app = create_app(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        table = app.containers.table
        await pilot.press("slash", "w", "e", "b")
        await until(pilot, lambda: table.row_count == 1)
        await pilot.press("escape")
        await until(pilot, lambda: table.row_count == 4)
        await pilot.press("a")
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("a", "o")  # sort by the next column (image)
        assert app.containers.sort_column == "status"


async def test_destructive_action_asks_first():
    backend = FixedBackend()
    app = create_app(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        await pilot.press("K")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert backend.actions == []
        await pilot.press("K")
        await pilot.press("y")
        await until(pilot, lambda: backend.actions == [("kill", target)])


async def test_removed_container_closes_its_view_with_a_notice():
    backend = FixedBackend()
    app = create_app(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("l")
        await pilot.pause()
        del backend.infos[target]
        backend.emit(EngineEvent("container", "destroy", target))
        await until(
            pilot,
            lambda: not isinstance(app.screen, DetailScreen) and app.screen is app.screen_stack[0],
        )
        await pilot.pause()  # the notice is a message too
        notes = [str(n.message) for n in app._notifications]
        assert any("was removed" in note for note in notes), (notes, app.screen_stack)


async def test_help_and_palette_list_the_actions():
    app = create_app(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Stop container", "Container logs", "Remove image", "Filter containers"):
            assert wanted in titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")


async def test_a_sample_is_drawn_when_it_arrives_not_on_the_next_refresh():
    app = create_app(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        pane, table = app.containers, app.containers.table
        web = key_of(app, "web")
        sample = dataclasses.replace(pane.samples[web], cpu_percent=42.5)
        pane.last_redraw = time.monotonic()  # a redraw just now: this flush waits the gap
        app.deliver_samples([sample])
        await until(pilot, lambda: pane.flush_timer is not None)  # the sample scheduled a flush
        assert pane.samples[web] is not sample, "it waits in the inbox until the flush"
        await until(pilot, lambda: pane.flush_timer is None)
        assert pane.samples[web] is sample
        assert str(table.get_cell(web, "cpu")) == "42.50%"
        # an unchanged row changes nothing in the table, so nothing is redrawn
        assert not table.upsert(web, pane.cells(pane.infos[web]))
