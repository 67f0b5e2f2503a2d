"""A container's detail on the real engine: its processes (`docker top`) live, then none."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Static

from tests.tui.dashboard_helpers import until
from tui.engine.actions import ContainerAction
from tui.engine.backend import DockerBackend
from tui.engine.containers import ProcessList
from tui.views.app import ContainerLabApp
from tui.views.containers.detail import DetailScreen

SLEEPERS = "sleep 3001 & sleep 3002 & wait"


def test_processes_of_a_running_then_stopped_container(docker_client, test_labels) -> None:
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sh", "-c", SLEEPERS], detach=True, labels=test_labels
    )
    backend = DockerBackend()
    backend.connect()
    try:
        processes = backend.processes(container.id)
        commands = [row[processes.titles.index("CMD")] for row in processes.rows]
        assert {"sleep 3001", "sleep 3002"} <= set(commands), commands
        container.kill()
        container.wait(timeout=30)
        assert backend.processes(container.id) == ProcessList()
    finally:
        container.remove(force=True)
    assert backend.processes(container.id) == ProcessList(), "a removed container has none"


async def test_detail_shows_the_processes(docker_client, test_labels) -> None:
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sh", "-c", SLEEPERS], detach=True, labels=test_labels
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(140, 60)) as pilot:
            await until(pilot, lambda: container.id in app.containers.rows.infos)
            app.container_request(ContainerAction.DETAIL, container.id)
            await until(pilot, lambda: isinstance(app.screen, DetailScreen))
            screen = app.screen
            assert isinstance(screen, DetailScreen)
            await until(pilot, lambda: screen.processes is not None)

            def shown() -> str:
                console = Console(width=140, file=io.StringIO(), color_system=None)
                console.print(screen.query_one("#detail", Static).content)
                return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]

            await pilot.pause()
            assert "sleep 3001" in shown() and "sleep 3002" in shown()
            container.kill()  # the events stream updates the view: no processes any more
            await until(pilot, lambda: "not running" in shown())
    finally:
        container.remove(force=True)
