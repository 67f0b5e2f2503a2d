"""The palette closed at any moment leaves the dashboard running (tui/views/palette.py).

A served session shows these races only now and then, and the worst case of the first only on a
busy machine (tests/integration/test_serve_palette.py drives a real one); here each order is
made by hand, in one step of the app: what the palette saw, not how the keys got there.
"""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.command import CommandInput, CommandList, CommandPalette, Hit, Hits, Provider
from textual.widgets import Input, OptionList, TabbedContent

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.views.app import ContainerLabApp
from tui.views.palette import LabPalette

SEARCHED: list[str] = []


class SlowSearch(Provider):
    """A provider that notes each query it is asked for and takes 0.5 s to find nothing, so a
    search under way shows."""

    async def search(self, query: str) -> Hits:
        SEARCHED.append(query)
        await asyncio.sleep(0.5)
        hits: tuple[Hit, ...] = ()
        for hit in hits:
            yield hit


def dashboard(monkeypatch: pytest.MonkeyPatch) -> ContainerLabApp:
    monkeypatch.setattr(ContainerLabApp, "COMMANDS", ContainerLabApp.COMMANDS | {SlowSearch})
    SEARCHED.clear()
    return ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)


async def test_a_key_the_palette_input_handles_after_escape_starts_no_search(monkeypatch):
    """The input handles a key typed before `escape` after the app ran the escape: the search
    it started landed on a list already removed (NoMatches ended the app)."""
    app = dashboard(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()
        await pilot.press("ctrl+p")
        await until(pilot, lambda: CommandPalette.is_open(app))
        palette = app.screen
        await pilot.press("k")
        await until(pilot, lambda: SEARCHED[-1:] == ["k"])
        palette.dismiss()  # as its escape does; then the input's change reaches it
        palette.post_message(Input.Changed(palette.query_one(CommandInput), "ky"))
        await until(pilot, lambda: not CommandPalette.is_open(app))
        await pilot.pause(0.6)
        assert "ky" not in SEARCHED, "a search started in a dismissed palette"
        assert app.is_running


async def test_a_palette_dismissed_before_its_mount_leaves_the_app_running(monkeypatch):
    """`escape` right after `ctrl+p`: Textual's palette, set up after it was dismissed, looked
    for the screen under it in a stack without it (IndexError ended the app)."""
    app = dashboard(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        for _ in range(3):
            app.open_palette()
            app.screen.dismiss()
            await pilot.pause(0.3)
            assert app.is_running
            assert not CommandPalette.is_open(app)
        await pilot.press("ctrl+p")  # and it opens as ever
        await until(pilot, lambda: CommandPalette.is_open(app))


async def test_a_key_typed_right_after_escape_reaches_the_dashboard(monkeypatch):
    """`escape` then `2` at once: the `2` went into the palette (lost) while the escape was
    still on its way up from the palette's input; it switches to Images."""
    app = dashboard(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()
        for _ in range(3):
            await pilot.press("1", "ctrl+p")
            await until(pilot, lambda: CommandPalette.is_open(app))
            app.post_message(events.Key("escape", None))
            app.post_message(events.Key("2", "2"))
            await until(pilot, lambda: not CommandPalette.is_open(app))
            await until(pilot, lambda: app.main_screen.query_one(TabbedContent).active == "images")


async def test_an_escape_the_palette_handles_once_dismissed_pops_nothing(monkeypatch):
    """Keys in a burst (a served packet): the palette's input handled an `escape` after the
    escape before it had dismissed the palette; the second dismiss popped the dashboard's own
    screen (ScreenStackError ended the app)."""
    app = dashboard(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        for opened in (app.open_palette, app.search_themes):  # the theme picker too
            opened()
            await until(pilot, lambda: CommandPalette.is_open(app))
            palette = app.screen
            assert isinstance(palette, LabPalette)
            await palette.run_action("escape")
            await palette.run_action("escape")  # as the input's queued escape does
            await pilot.pause(0.2)
            assert app.is_running and app.screen is app.main_screen


async def test_a_command_chosen_just_before_escape_leaves_the_app_running():
    """`enter` then `escape` in one burst: the list's choice reached the palette after the
    escape had dismissed it, and the palette dismissed itself again to run it: Textual's
    dismiss popped the dashboard's screen (ScreenStackError, in `_select_or_command` by
    `delay_update()`: the served palette test's failure in CI). The command still runs: it was
    chosen first."""
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()
        await pilot.press("ctrl+p", *"Go to images")
        palette = app.screen
        commands = palette.query_one(CommandList)
        await until(pilot, lambda: commands.option_count > 0, what="the command listed")
        await pilot.press("down")
        await until(pilot, lambda: commands.highlighted is not None, what="a command highlighted")
        index = commands.highlighted
        await palette.run_action("escape")  # the `escape` after `enter` dismisses it, then
        chosen = OptionList.OptionSelected(commands, commands.get_option_at_index(index), index)
        palette.post_message(chosen)  # the list's choice that `enter` made reaches it
        await until(pilot, lambda: not app.is_running or app.active_tab == "images")
        assert app.is_running and app.screen is app.main_screen


async def test_ctrl_p_right_after_escape_opens_a_new_palette(monkeypatch):
    """`escape` then `ctrl+p` at once: the dismissed palette, still being removed, had the id
    the new one was given (DuplicateIds ended the app)."""
    app = dashboard(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        for _ in range(3):
            app.open_palette()
            await until(pilot, lambda: CommandPalette.is_open(app))
            app.screen.dismiss()
            app.open_palette()  # in the same step: the first is not removed yet
            await until(pilot, lambda: CommandPalette.is_open(app))
            assert app.is_running
            app.screen.dismiss()
            await until(pilot, lambda: not CommandPalette.is_open(app))
