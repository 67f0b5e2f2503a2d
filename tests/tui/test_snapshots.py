"""Snapshots of the main screens. The data is fixed on purpose (FixedBackend, a frozen clock):
a change in what people see must show up here as a reviewed change.

Update with: .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update
"""

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.views.app import ContainerLabApp

SIZE = (140, 36)


def app(up: bool = True):
    return ContainerLabApp(FixedBackend(up=up), clock=fixed_clock)


def test_containers_screen(snap_compare):
    async def ready(pilot):
        await settled(pilot, 4)

    assert snap_compare(app(), terminal_size=SIZE, run_before=ready)


def test_images_screen_with_layer_history(snap_compare):
    async def ready(pilot):
        await settled(pilot, 4)
        await pilot.press("2")
        pane = pilot.app.images
        await until(pilot, lambda: pane.query_one("#history-table").row_count == 4)

    assert snap_compare(app(), terminal_size=SIZE, run_before=ready)


def test_container_detail_screen(snap_compare):
    async def ready(pilot):
        await settled(pilot, 4)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app(), terminal_size=SIZE, run_before=ready)


def test_logs_screen(snap_compare):
    async def ready(pilot):
        await settled(pilot, 4)
        await pilot.press("l")
        await until(pilot, lambda: len(getattr(pilot.app.screen, "buffer", ())) == 30)
        await until(
            pilot, lambda: "ended" in str(pilot.app.screen.query_one("#log-status").render())
        )

    assert snap_compare(app(), terminal_size=SIZE, run_before=ready)


def test_no_engine_banner(snap_compare):
    async def ready(pilot):
        await until(pilot, lambda: pilot.app.query_one("#banner").display)
        pilot.app.refresh_containers()  # as the 1 s timer would: the shot must not race it
        await pilot.pause()

    assert snap_compare(app(up=False), terminal_size=SIZE, run_before=ready)
