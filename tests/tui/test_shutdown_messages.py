"""Worker messages that arrive while the app shuts down must not crash it.

Workers post until their streams are closed, and Textual still delivers messages while it
removes the screens. Here the containers pane, as it is unmounted, posts what a late worker
would (a stall for a container that does not exist stands in for a real one): the shutdown
race, made certain, not the engine, is under test.
"""

from typing import Any

from dashboard_helpers import settled
from fixed_backend import FixedBackend, fixed_clock

from tui.views.app import create_app
from tui.views.containers_pane import ContainersPane
from tui.views.messages import ImagesLoaded, StatsStalledMessage, StatsWaiting


async def test_messages_arriving_during_shutdown_are_dropped_quietly(monkeypatch: Any) -> None:
    posted: list[bool] = []

    def late_worker(pane: ContainersPane) -> None:
        for message in (StatsWaiting(), StatsStalledMessage("gone", "stalled"), ImagesLoaded([])):
            posted.append(pane.app.post_message(message))

    monkeypatch.setattr(ContainersPane, "on_unmount", late_worker, raising=False)
    app = create_app(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
    assert posted == [True, True, True], "the app took the late messages"
    assert app._exception is None, app._exception
