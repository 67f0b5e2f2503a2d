"""The VM baseline tab fed from the real engine: a running container's footprint beside a VM."""

from __future__ import annotations

import time

import docker
from rich.console import Console
from textual.widgets import Static

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend
from tui.views.app import create_app
from tui.views.baseline_pane import BaselinePane


async def test_the_baseline_tab_shows_running_containers(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE, ["cat"], stdin_open=True, detach=True, labels=test_labels
    )
    try:
        app = create_app(DockerBackend())
        async with app.run_test(size=(150, 45)) as pilot:
            deadline = time.monotonic() + 30
            while not app.engine_up and time.monotonic() < deadline:
                await pilot.pause(0.1)
            await pilot.press("4")
            pane = app.query_one(BaselinePane)
            while time.monotonic() < deadline:
                if any(fp.id == container.id for fp in pane._containers):
                    break
                await pilot.pause(0.2)
            mine = next(fp for fp in pane._containers if fp.id == container.id)
            assert mine.memory_bytes and mine.memory_bytes < 64 * 2**20
            console = Console(width=140, record=True)
            for section in ("#baseline-selected", "#baseline-all"):
                console.print(pane.query_one(section, Static).render()._renderable)
            text = console.export_text()
            # What the host pays for it: its working set plus its containerd shim.
            assert mine.shim_rss_bytes and mine.host_cost_bytes
            assert f"{mine.host_cost_bytes / 2**20:.1f} MiB" in text, text
            assert "Fit in host" in text and "Disk" in text, text
    finally:
        container.remove(force=True)
