"""README: "at most 20 000 lines are held" by a log view, whatever the container printed."""

from __future__ import annotations

import pytest

from tests.integration.test_dashboard_logs_tools import _finished, _prompt, _status
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp

pytestmark = pytest.mark.docker
PRINTED = 25_000
HELD = 20_000  # the README's figure, written out: not read from the code


async def test_the_whole_log_of_25000_lines_keeps_the_newest_20000(docker_client, test_labels):
    container = docker_client.containers.run(
        "debian:bookworm-slim",
        ["seq", "1", str(PRINTED)],
        labels=test_labels,
        detach=True,
        init=True,
    )
    try:
        container.wait(timeout=60)
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await _finished(pilot, container.id)
            await _prompt(pilot, "T", "all")
            assert "window all" in _status(screen)
            await until(
                pilot,
                lambda: (
                    len(screen.buffer.lines) >= HELD
                    and screen.buffer.lines[-1].text == str(PRINTED)
                ),
                what="the whole log read",
                seconds=120,
            )
            texts = [line.text for line in screen.buffer.lines]
            assert len(texts) == HELD
            assert texts[0] == str(PRINTED - HELD + 1) and texts[-1] == str(PRINTED)
    finally:
        container.remove(force=True)
