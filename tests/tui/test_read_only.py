"""`--read-only`: every action that changes something is hidden and refused, looking still works.

Pilot tests on fixed data (FixedBackend records every action it is asked for, so "nothing
changed" is an empty list); the real engine and browser are in
tests/integration/test_serve_guard.py.
"""

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.engine.actions import ContainerAction
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane
from tui.views.containers.detail import DetailScreen
from tui.views.training_pane import TrainingPane
from tui.views.widgets.confirm import ConfirmScreen

CHANGING_KEYS = {
    "u": "start",
    "t": "stop",
    "r": "restart",
    "K": "kill",
    "p": "pause",
    "D": "remove",
}


def shown_keys(app) -> set[str]:
    bindings = app.screen.active_bindings.values()
    return {binding.key for _, binding, enabled, _ in bindings if enabled}


async def test_read_only_hides_and_refuses_the_container_keys():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock, read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        assert app.sub_title == "read-only"
        keys = shown_keys(app)
        assert not {"u", "t", "r", "K", "p", "e", "D", "delete"} & keys, keys
        assert "l" in keys and "enter" in keys  # looking is still allowed
        for key in [*CHANGING_KEYS, "e", "y"]:
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), key
        assert backend.actions == []
        await pilot.press("enter")  # the detail view still opens
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))


async def test_read_only_refuses_every_entry_point_with_a_notice():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock, read_only=True)
    notices = record_notices(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        target = app.containers.table.cursor_key
        for action in [*CHANGING_KEYS.values(), "shell"]:
            app.container_request(ContainerAction(action), target)  # keys and palette reach it
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        commands = {c.title for c in app.get_system_commands(app.screen)}
        refused = {"Stop container", "Kill container", "Remove container", "Remove image"}
        assert not refused & commands, "the palette lists what read-only mode refuses"
        assert {"Container logs", "Container detail", "Filter containers"} <= commands
        for action in ("stop", "kill", "remove"):  # what those commands called, refused
            app.containers.action_request(action)
        app.images.table.move_cursor(row=0)
        app.images.action_remove()
        training = app.main_screen.query_one(TrainingPane)
        training.action_start()
        training.action_cancel()
        await pilot.pause()
        await until(pilot, lambda: len(notices) >= 10)
        assert not isinstance(app.screen, ConfirmScreen)
        assert backend.actions == []
        said = notices
        for what in ("stop", "kill", "remove", "shell", "image removal", "training"):
            assert f"read-only: {what} is disabled" in said, said
        assert "read-only: cancelling training is disabled" in said
        assert not app.allowed("demo")
        assert app.query_one(BaselinePane).check_action("run_lesson", ()) is False


async def test_without_read_only_the_keys_are_there_and_work():
    backend = FixedBackend()
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
        assert {"u", "t", "K", "e"} <= shown_keys(app)
        assert app.allowed("stop")
        await app.build_tabs("baseline")  # built when first shown
        assert app.query_one(BaselinePane).check_action("run_lesson", ()) is True
        target = app.containers.table.cursor_key
        await pilot.press("t")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: backend.actions == [("stop", target)])
