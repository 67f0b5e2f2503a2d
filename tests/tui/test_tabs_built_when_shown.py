"""The Training, VM baseline and Swarm tabs, and the Images tab's layers, are built when first
shown (bench/startup.py: the tables are on screen sooner), and nothing is lost by waiting."""

from __future__ import annotations

import gc
import sys

from textual.command import CommandList, CommandPalette

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import HISTORY, FixedBackend, fixed_clock
from tui.engine.images import Layer
from tui.views.app import START_SWITCH_SECONDS, ContainerLabApp
from tui.views.baseline.pane import BaselinePane
from tui.views.swarm.job_panel import ClusterJobPanel
from tui.views.swarm.pane import SwarmPane
from tui.views.training_pane import TrainingPane
from tui.views.widgets.keyed_table import KeyedTable


async def test_each_hidden_tab_is_built_when_first_shown_and_takes_the_keys() -> None:
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        assert not app.query(BaselinePane)
        assert not app.query(TrainingPane)
        assert not app.query(SwarmPane)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        assert app.active_tab == "baseline" and app.focused is pane
        await pilot.press("c")  # its own key, at once
        assert pane.citations_shown
        await pilot.press("3")  # the cluster job on it is drawn by the Swarm pane: both
        assert app.active_tab == "training" and app.focused is app.query_one(TrainingPane)
        assert app.query(ClusterJobPanel)
        assert app.query(SwarmPane)
        await pilot.press("7")
        assert app.active_tab == "swarm"
        assert app.focused is not None and app.focused in app.query_one(SwarmPane).query("*")
        await pilot.press("1", "4")  # built once: the same pane again
        assert app.query_one(BaselinePane) is pane and app.focused is pane


class CountedHistory(FixedBackend):
    """FixedBackend that counts the layer histories asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.histories: list[str] = []

    def history(self, image_id: str) -> list[Layer]:
        self.histories.append(image_id)
        return super().history(image_id)


async def test_the_images_layers_are_read_and_built_when_the_tab_is_first_shown() -> None:
    # Failed before: the hidden tab's layer table was built at start-up and the first image's
    # layers were read for it, a request and a table nobody looked at.
    backend = CountedHistory()
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        images = app.images
        await until(pilot, lambda: images.table.row_count > 0, what="the images listed")
        await pilot.pause(0.2)  # a request would have been made by now
        assert backend.histories == []
        assert not images.query("#history-table")
        await pilot.press("2")
        await until(pilot, lambda: bool(images.query("#history-table")), what="the layer table")
        layers = images.query_one("#history-table", KeyedTable)
        await until(pilot, lambda: layers.row_count == len(HISTORY), what="the layers shown")
        assert backend.histories == [images.selected_id]
        await pilot.press("1", "2")  # shown again: the same table, nothing read again
        await until(pilot, lambda: app.active_tab == "images", what="the images tab")
        assert images.query_one("#history-table") is layers
        assert backend.histories == [images.selected_id]


async def test_the_palette_builds_every_tab_before_it_lists_their_commands() -> None:
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        for pane in (BaselinePane, TrainingPane, SwarmPane):
            assert app.query(pane), pane
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Run the lesson: container vs gVisor vs VM", "Train a model"} <= titles
        # It opened at once, before the tabs were built; it lists their commands once they are.
        commands = app.screen.query_one(CommandList)

        def listed() -> str:
            prompts = (commands.get_option_at_index(i).prompt for i in range(commands.option_count))
            return "\n".join(str(prompt) for prompt in prompts)

        await until(pilot, lambda: "Train a model" in listed(), what="the tabs' commands listed")


async def test_a_read_only_dashboard_keeps_its_palette() -> None:
    # The palette's action is the dashboard's own now (it builds the tabs first): the read-only
    # gate names it by that class. Failed before: ctrl+p left the footer and did nothing.
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        shown = {binding.key for _, binding, on, _ in app.screen.active_bindings.values() if on}
        assert "ctrl+p" in shown
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        assert app.query(BaselinePane)


async def test_a_quit_while_a_tab_is_being_built_ends_cleanly() -> None:
    # Textual cannot remove widgets halfway mounted (a pane's on_mount finds its children
    # gone): the quit waits for the tab. Failed before: NoMatches raised at the quit.
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        app.build_tabs()  # every tab, not awaited
        app.exit()
        await until(pilot, lambda: not app.is_running, what="the app ended")
    assert app.return_code == 0


async def test_start_up_tuning_is_undone_once_the_tables_are_drawn(monkeypatch) -> None:
    seen: list[tuple[bool, float]] = []
    mount = ContainerLabApp.on_mount

    def on_mount(self: ContainerLabApp) -> None:
        seen.append((gc.isenabled(), sys.getswitchinterval()))
        mount(self)

    monkeypatch.setattr(ContainerLabApp, "on_mount", on_mount)
    switching = sys.getswitchinterval()
    assert gc.isenabled()
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    assert not app.engines.drawn.is_set()
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        await until(pilot, lambda: not app.starting, what="start-up over")
        assert seen == [(False, START_SWITCH_SECONDS)]
        assert gc.isenabled() and sys.getswitchinterval() == switching
        assert app.engines.drawn.is_set()  # the feeds' first inspections may go
