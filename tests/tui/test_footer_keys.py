"""The footer composes its keys again only when they change, and still follows every change.

Textual's Footer composed all its keys again (a widget each) for every change the screen's
bindings might have had: three times as the dashboard started, twice for a tab switch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Footer

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import fixed_clock
from tests.tui.test_project_rows import ROWS, SIZE, backend_with_projects, on_row
from tui.views.app import ContainerLabApp
from tui.views.presentation import project_key
from tui.views.widgets.footer import LabFooter


def _shown(app: ContainerLabApp) -> list[str]:
    """The descriptions of the keys the footer shows."""
    return [str(getattr(key, "description", "")) for key in app.screen.query("FooterKey")]


async def test_the_footer_is_composed_once_per_change_of_its_keys(
    tmp_path: Path, monkeypatch: Any
) -> None:
    compositions: list[int] = []
    compose = Footer.compose

    def counting(footer: Footer) -> Iterator[Widget]:
        keys = 0
        for widget in compose(footer):
            keys += 1
            yield widget
        if keys:  # an empty compose: bindings not ready yet
            compositions.append(keys)

    monkeypatch.setattr(Footer, "compose", counting)
    app = ContainerLabApp(backend_with_projects(tmp_path), clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        await pilot.pause(0.5)
        assert len(compositions) == 1, compositions  # before: 3, the same keys each time
        assert "Filter" in _shown(app)
        # Keys that change are still shown: a project's key appears on its rows only.
        await on_row(app, project_key("shop"), pilot)
        await until(pilot, lambda: "Up/recreate" in _shown(app), what="the project key")
        await on_row(app, "5a01" * 8, pilot)  # a container of the project: the key stays
        await pilot.pause()
        assert "Up/recreate" in _shown(app)
        before = len(compositions)
        await pilot.press("2")  # the images tab: its keys
        await until(pilot, lambda: "Filter" not in _shown(app), what="the images keys")
        await pilot.press("1")
        await until(pilot, lambda: "Up/recreate" in _shown(app), what="the containers keys")
        assert len(compositions) - before <= 2, compositions  # before: 4


class FooterApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LabFooter()


async def test_a_footer_removed_before_its_recompose_does_nothing() -> None:
    # Failed before (the log_open bench smoke run): a screen popped while its footer's
    # recompose was still due; the footer, no longer on a screen, raised NoScreen.
    app = FooterApp()
    async with app.run_test() as pilot:
        footer = app.query_one(LabFooter)
        await footer.remove()
        await footer.recompose()
        await pilot.pause()
        assert not app.query(LabFooter)
