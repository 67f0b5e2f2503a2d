"""The dashboard's screen is laid out once per size: a Resize to the size it has is skipped
(Textual laid the screen out again for each, twice at every start-up), any other is not."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen
from textual.widget import Widget

from tests.tui.dashboard_helpers import until
from tests.tui.fixed_backend import FixedBackend, container, fixed_clock
from tui.views.app import ContainerLabApp
from tui.views.main_screen import MainScreen


def _app() -> ContainerLabApp:
    backend = FixedBackend()
    backend.infos = {
        info.id: info
        for info in (container(f"{n:04x}", f"container-{n}", state="created") for n in range(40))
    }
    return ContainerLabApp(backend, clock=fixed_clock)


class Counted:
    """Counts the widgets arranged (each layout of the screen arranges every container)."""

    def __init__(self) -> None:
        self.layouts = 0

    def wrap(self, original: Any) -> Any:
        def counting(widget: Any, *args: Any, **kwargs: Any) -> Any:
            self.layouts += 1
            return original(widget, *args, **kwargs)

        return counting


async def test_a_resize_to_the_same_size_lays_nothing_out_again(monkeypatch: Any) -> None:
    counted = Counted()
    monkeypatch.setattr(Widget, "arrange", counted.wrap(Widget.arrange))
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.containers.table.row_count == 40, what="the rows")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        before, size = counted.layouts, screen.size
        screen.post_message(events.Resize(size, size))
        await pilot.pause()
        assert counted.layouts == before, "the same size was laid out again"
        await pilot.resize_terminal(120, 40)
        await until(pilot, lambda: app.containers.table.size.width == 120, what="a new width")
        assert counted.layouts > before
        # Resized under another screen (Textual lays the screens below out directly), then
        # back to the size the dashboard had before: laid out again, not skipped.
        await app.push_screen(Screen())
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        app.pop_screen()
        await until(pilot, lambda: app.containers.table.size.width == 90, what="90 wide")
        await pilot.resize_terminal(120, 40)
        await until(pilot, lambda: app.containers.table.size.width == 120, what="120 again")
