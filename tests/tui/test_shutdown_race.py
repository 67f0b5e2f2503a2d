"""Worker messages and timer ticks that arrive while the app shuts down must not crash it.

Workers post until their streams are closed, timers tick, and Textual still delivers both while
it removes the screens, children first. Here the containers pane, as it is unmounted (its table
already gone), posts what a late worker would (a stall for a container that does not exist
stands in for a real one) and runs what a late timer would: the shutdown race, made certain,
not the engine, is under test. Both were seen: a stats message in the stats benchmark and the
one-second refresh in CI.
"""

from collections.abc import Callable
from typing import Any

import pytest

from tests.tui.dashboard_helpers import settled
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.engine import feed
from tui.engine.actions import ContainerAction
from tui.engine.compose import ProjectAction
from tui.views.app import ContainerLabApp
from tui.views.containers.pane import ContainersPane
from tui.views.messages import FeedMessage


@pytest.mark.fault
async def test_late_messages_and_ticks_during_shutdown_are_dropped_quietly(
    monkeypatch: Any, fault: Callable[[str], None]
) -> None:
    posted: list[bool] = []
    ticked: list[str] = []

    def late_worker_and_timers(pane: ContainersPane) -> None:
        app = pane.app
        assert isinstance(app, ContainerLabApp)
        for event in (
            feed.SamplesWaiting("fixed"),
            feed.StatsStalledEvent("fixed", "gone", "stalled"),
            feed.ImagesLoaded("fixed", []),
        ):
            posted.append(app.post_message(FeedMessage(event)))
        # A key press queued just before the quit: the detail screen of a container.
        posted.append(app.post_message(ContainersPane.Requested(ContainerAction.DETAIL, "gone")))
        posted.append(app.post_message(ContainersPane.ProjectRequested(ProjectAction.UP, "gone")))
        for tick in (pane.flush_stats, pane.refresh_rows, app.refresh_containers):
            tick()
            ticked.append(tick.__name__)

    monkeypatch.setattr(ContainersPane, "on_unmount", late_worker_and_timers, raising=False)
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot, 4)
    assert posted == [True] * 5, "the app took the late messages"
    assert ticked == ["flush_stats", "refresh_rows", "refresh_containers"]
    assert not app.return_code, "the app ended on an error"
    late = (
        "SamplesWaiting",
        "StatsStalledEvent",
        "ImagesLoaded",
        "a container's detail asked",
        "a project's up asked",
    )
    for survived in (*late, *ticked):
        fault(f"during shutdown: {survived}")
