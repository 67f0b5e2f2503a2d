"""The VM baseline tab fed from the real engine: a running container's footprint beside a VM."""

from __future__ import annotations

import docker

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane
from tui.views.baseline.panel import FigureGrid


def compare_rows(pane: BaselinePane) -> list[list[str]]:
    grid = pane.query_one("#baseline-compare", FigureGrid)
    cells = [str(label.content) for label in grid.labels()]
    columns = grid.styles.grid_size_columns or 1
    return [cells[i : i + columns] for i in range(0, len(cells), columns)]


async def test_the_baseline_tab_shows_running_containers(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE, ["cat"], stdin_open=True, detach=True, labels=test_labels
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(150, 45)) as pilot:
            await until(pilot, lambda: app.engines.up, seconds=60, what="the engine")
            await pilot.press("4")
            pane = app.query_one(BaselinePane)
            await until(
                pilot,
                lambda: any(fp.id == container.id for fp in pane.footprints),
                seconds=60,
                what="the container's footprint",
            )
            mine = next(fp for fp in pane.footprints if fp.id == container.id)
            assert mine.memory_bytes and mine.memory_bytes < 64 * 2**20
            # What the host pays for it: its working set plus its containerd shim.
            assert mine.shim_rss_bytes and mine.host_cost_bytes
            pane.update_figures(pane.footprints, selected=container.id)
            await pilot.pause()
            # the table and the figures it shows, read together (a refresh may come every 5 s)
            mine = next(fp for fp in pane.footprints if fp.id == container.id)
            rows = compare_rows(pane)
            assert rows[0][1] == f"{mine.name} ({mine.image})", rows
            memory = next(row for row in rows if row[0] == "Memory")
            assert mine.host_cost_bytes is not None, mine
            assert memory[1] == f"{mine.host_cost_bytes / 2**20:.1f} MiB", rows
            assert {"Fit in host", "Disk", "Start"} <= {row[0] for row in rows}, rows
    finally:
        container.remove(force=True)
