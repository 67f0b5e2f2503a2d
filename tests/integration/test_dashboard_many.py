"""More blocking streams than the event loop's default executor has threads.

Textual runs thread workers on the loop's default executor: min(32, cores + 4) threads, six on
this two-core machine. With stats from the API (one blocking stream a container) and the events
stream, a sixth container's stats would never start, nor would anything after them.
"""

from __future__ import annotations

import uuid
from typing import Any

from rich.text import Text

from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import LogsScreen

COUNT = 40  # beyond the 32 threads any machine's default executor allows
HIDDEN_TOO = 16  # more than a 100x24 terminal shows


def _run_many(
    client: Any, labels: dict[str, str], count: int, script: str, prefix: str | None = None
) -> list[Any]:
    """`count` labelled containers running `script` (`{n}` is each one's number), named
    `<prefix>-<n>` when given a prefix."""
    return [
        client.containers.run(
            "debian:bookworm-slim",
            ["sh", "-c", script.format(n=n)],
            detach=True,
            labels=labels,
            network_mode="none",
            name=f"{prefix}-{n}" if prefix else None,
        )
        for n in range(count)
    ]


async def test_stats_of_every_container_and_logs_still_open(docker_client, test_labels) -> None:
    made = _run_many(docker_client, test_labels, COUNT, "echo hello from {n}; exec sleep 600")
    ids = {container.id for container in made}
    try:
        app = ContainerLabApp(DockerBackend(stats="api"))
        async with app.run_test(size=(140, 40)) as pilot:
            pane = app.containers
            await until(pilot, lambda: ids <= set(pane.rows.infos), seconds=60)
            await until(pilot, lambda: ids <= set(pane.rows.samples), seconds=90)
            last = made[-1]
            app.open_logs([last.id])
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


def _as_drawn(cells: list[object]) -> list[object]:
    """Cells as the table keeps them (strings become Text)."""
    return [Text(cell) if isinstance(cell, str) else cell for cell in cells]


async def test_rows_scrolled_into_view_show_their_newest_figures_and_get_streamed(
    docker_client, test_labels
) -> None:
    # Rows out of view are not redrawn for each new sample (any change redraws the whole
    # table); over the API they are sampled slowly and only the rows in view are streamed.
    # Only this test's rows in the table: other tests' containers come and go on the same
    # engine meanwhile (CI runs two sessions at once) and would move these rows into view.
    prefix = f"many{uuid.uuid4().hex[:8]}"
    made = _run_many(docker_client, test_labels, HIDDEN_TOO, "exec sleep 600", prefix)
    ids = {container.id for container in made}
    try:
        app = ContainerLabApp(DockerBackend(stats="api"))
        async with app.run_test(size=(100, 24)) as pilot:
            pane, table = app.containers, app.containers.table
            await until(pilot, lambda: ids <= set(pane.rows.infos), seconds=60)
            await pilot.press("slash", *prefix, "enter")
            await until(pilot, lambda: set(pane.rows.order()) == ids, what="only these rows")
            table.focus()
            hidden = ids - pane.rows_on_screen()
            assert hidden, "fewer rows fit on screen than there are containers"
            feed = app.engines.feed_of(pane.rows.infos[made[0].id])
            assert feed is not None
            await until(
                pilot, lambda: hidden <= set(pane.rows.samples), seconds=90, what="slow samples"
            )
            assert not hidden & feed.streamed, "a row out of view is not streamed"
            stopped = next(iter(hidden))
            docker_client.containers.get(stopped).stop(timeout=0)
            await until(pilot, lambda: pane.rows.infos[stopped].state == "exited", seconds=30)

            await pilot.press("G")  # to the last row: other rows come into view
            await until(
                pilot, lambda: bool(pane.rows_on_screen() & hidden), what="hidden rows in view"
            )

            def drawn_as_known() -> bool:
                keys = table.keys_on_screen()
                return all(table.get_row(key) == _as_drawn(pane.row_cells(key)) for key in keys)

            await until(pilot, drawn_as_known, what="the rows in view drawn with their newest data")
            in_view = pane.rows_on_screen() & ids
            running = {cid for cid in in_view if pane.rows.infos[cid].state == "running"}
            await until(pilot, lambda: running <= feed.streamed, what="the rows in view streamed")
    finally:
        for container in made:
            container.remove(force=True)
