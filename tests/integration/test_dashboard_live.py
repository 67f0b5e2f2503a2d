"""Pilot tests of the dashboard against the real engine, on labelled throwaway containers only."""

from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import LogsScreen
from tui.views.widgets.confirm import ConfirmScreen

CHATTY = "i=0; while true; do echo line $i; echo oops $i >&2; i=$((i+1)); sleep 0.2; done"


async def test_list_stats_logs_and_actions_on_a_real_container(docker_client, test_labels):
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sh", "-c", CHATTY], detach=True, labels=test_labels, init=True
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(140, 36)) as pilot:
            pane = app.containers
            table = pane.table
            # the list shows it, live stats arrive
            await until(pilot, lambda: container.id in table.row_keys())
            await until(pilot, lambda: container.id in pane.rows.samples)
            table.move_cursor(row=table.get_row_index(container.id))
            await pilot.pause()
            assert pane.selected_id == container.id

            # logs stream, stdout and stderr told apart
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs")
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            await until(
                pilot, lambda: {line.stream for line in screen.buffer.lines} >= {"stdout", "stderr"}
            )
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.screen_stack[0], what="the list")

            # stop (asks first); the events stream brings the new state
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
            await pilot.press("y")
            await until(pilot, lambda: pane.rows.infos[container.id].state == "exited", seconds=60)
            assert pane.selected_id == container.id

            # remove (asks first): the row goes
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
            await pilot.press("y")
            await until(pilot, lambda: container.id not in table.row_keys())
    finally:
        container.remove(force=True) if _exists(docker_client, container.id) else None


def _exists(client, container_id: str) -> bool:
    try:
        client.containers.get(container_id)
    except Exception:
        return False
    return True
