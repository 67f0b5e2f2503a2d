"""More blocking streams than the event loop's default executor has threads.

Textual runs thread workers on the loop's default executor: min(32, cores + 4) threads, six on
this two-core machine. With stats from the API (one blocking stream a container) and the events
stream, a sixth container's stats would never start, nor would anything after them.
"""

from __future__ import annotations

from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import create_app
from tui.views.logs_screen import LogsScreen

COUNT = 40  # beyond the 32 threads any machine's default executor allows


async def test_stats_of_every_container_and_logs_still_open(docker_client, test_labels) -> None:
    made = [
        docker_client.containers.run(
            "debian:bookworm-slim",
            ["sh", "-c", f"echo hello from {n}; exec sleep 600"],
            detach=True,
            labels=test_labels,
            network_mode="none",
        )
        for n in range(COUNT)
    ]
    ids = {container.id for container in made}
    try:
        app = create_app(DockerBackend(stats="api"))
        async with app.run_test(size=(140, 40)) as pilot:
            pane = app.containers
            await until(pilot, lambda: ids <= set(pane.infos), seconds=60)
            await until(pilot, lambda: ids <= set(pane.samples), seconds=90)
            last = made[-1]
            app.action_open_logs(last.id)
            await until(pilot, lambda: isinstance(app.screen, LogsScreen))
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            await until(
                pilot,
                lambda: any(f"hello from {COUNT - 1}" == ln.text for ln in screen.buffer.lines),
            )
    finally:
        for container in made:
            container.remove(force=True)
