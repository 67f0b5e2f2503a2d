"""The engine stops and starts while the dashboard runs: the outage shows, then everything resumes.

A private dockerd (bench/private_engine.py) plays the engine, so the shared one
that other tests use is never stopped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import docker
import pytest
import requests
from docker.models.containers import Container

from bench.private_engine import PrivateEngine
from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.engine.stats.api import STALL_SECONDS, StatsStream
from tui.engine.stats.cgroup import open_stats
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import LogsScreen

pytestmark = [pytest.mark.fault, pytest.mark.slow]


@pytest.fixture()
def private_engine(docker_client: docker.DockerClient) -> Iterator[PrivateEngine]:
    engine = PrivateEngine()
    try:
        engine.start()
        engine.load_image(TEST_IMAGE)
        yield engine
    finally:
        engine.destroy()


def ticker(engine: PrivateEngine, labels: dict[str, str]) -> Container:
    """A container on the private engine that prints a numbered line five times a second."""
    client = docker.DockerClient(base_url=engine.url, timeout=60)
    try:
        return client.containers.run(
            TEST_IMAGE,
            ["sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done"],
            detach=True,
            labels=labels,
            restart_policy={"Name": "always"},
            network_mode="none",
        )
    finally:
        client.close()


async def test_dashboard_survives_an_engine_restart(
    private_engine: PrivateEngine, test_labels: dict[str, str]
) -> None:
    container = ticker(private_engine, test_labels)
    app = ContainerLabApp(DockerBackend(private_engine.url))
    async with app.run_test(size=(140, 40)) as pilot:
        pane = app.containers
        await until(pilot, lambda: container.id in pane.rows.infos, 60, "the container row")
        await until(pilot, lambda: container.id in pane.rows.samples, 60, "the first stats sample")
        pane.table.focus()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), 30, "the logs view")
        logs = app.screen
        assert isinstance(logs, LogsScreen)
        await until(pilot, lambda: len(logs.buffer) >= 3, 60, "log lines")

        private_engine.stop()
        await until(pilot, lambda: not app.engines.up, 60, "the outage to be noticed")
        # dockerd stops its containers before it exits, so the log stream may end either way.
        await until(pilot, lambda: logs.state.ended != "", 60, "the logs to say the stream ended")
        assert logs.state.ended in ("engine went away", "stream ended (container stopped)")
        banner = str(app.query_one("#banner").render())
        assert "stopped answering" in banner or "No Docker engine" in banner, banner

        lines_before = len(logs.buffer)
        history_before = len(pane.rows.history[container.id][0])
        private_engine.start()
        await until(pilot, lambda: app.engines.up, 60, "the reconnection")
        assert not app.query_one("#banner").display
        await until(pilot, lambda: logs.state.ended == "", 60, "the logs to resume")
        await until(pilot, lambda: len(logs.buffer) >= lines_before + 4, 60, "new log lines")
        texts = [line.text for line in list(logs.buffer.lines)[lines_before:]]
        assert any("reconnected" in text for text in texts)
        assert any(text.startswith("tick") for text in texts)
        await until(
            pilot,
            lambda: len(pane.rows.history[container.id][0]) > history_before + 1,
            30,
            "stats after the restart",
        )
        assert container.id in pane.rows.infos and pane.rows.infos[container.id].is_running


async def test_a_stalled_stats_stream_gives_a_notice_and_resumes(
    private_engine: PrivateEngine, test_labels: dict[str, str]
) -> None:
    """SIGSTOP freezes the engine: its stats stream stays open but silent, as in a real stall."""
    client = docker.DockerClient(base_url=private_engine.url, timeout=60)
    container = client.containers.run(
        TEST_IMAGE, ["cat"], stdin_open=True, detach=True, labels=test_labels, network_mode="none"
    )
    client.close()
    # The API's stream is what can stall; cgroup files are read from the kernel directly.
    app = ContainerLabApp(DockerBackend(private_engine.url, stats="api"))
    async with app.run_test(size=(140, 40)) as pilot:
        pane = app.containers
        await until(pilot, lambda: container.id in pane.rows.samples, 60, "the first stats sample")
        private_engine.freeze()
        try:
            frozen_at = time.monotonic()
            # Not before the stall time (the last sample may predate the freeze by up to a
            # second or so); how late it may come is the wait's generous bound, not a window.
            await until(
                pilot, lambda: container.id in app.stalled, 6 * STALL_SECONDS, "the stall notice"
            )
            waited = time.monotonic() - frozen_at
            assert waited + 1.5 >= STALL_SECONDS, waited
            assert container.id not in pane.rows.samples, "stale figures are still shown"
        finally:
            private_engine.thaw()
        await until(pilot, lambda: container.id in pane.rows.samples, 60, "stats after the thaw")
        await until(pilot, lambda: container.id not in app.stalled, 30, "the stall to clear")


def test_the_same_backend_resumes_after_an_engine_restart(
    private_engine: PrivateEngine, test_labels: dict[str, str]
) -> None:
    """One backend object, never rebuilt: it sees the outage, then lists, stats (cgroup files
    and API) and logs work again once dockerd is back.

    A SIGKILL of the private dockerd (20.10) is not tested: the dockerd started after it waits
    on its managed containerd's socket and does not come up within a minute here.
    """
    ticker(private_engine, test_labels)
    backend = DockerBackend(private_engine.url)
    backend.connect()
    private_engine.stop()
    assert not backend.ping()
    # The backend lets requests' ConnectionError through (the app's worker handler pings).
    with pytest.raises((docker.errors.DockerException, requests.exceptions.ConnectionError)):
        backend.containers()

    private_engine.start()
    deadline = time.monotonic() + 60
    while not [c for c in backend.containers() if c.is_running]:  # restart policy brings it back
        assert time.monotonic() < deadline, "the container did not come back"
        time.sleep(0.5)
    assert backend.ping()
    (info,) = [c for c in backend.containers() if c.is_running]
    collector = backend.cgroup_collector()  # what the app samples a local engine with
    assert collector is not None and collector.available(info.id, info.pid)
    assert collector.sample(info.id, info.pid) is not None
    for stream in (open_stats(backend.api, info.id), StatsStream(backend.api, info.id)):
        samples = []
        for sample in stream:
            samples.append(sample)
            if len(samples) == 2:
                break
        stream.close()
        assert samples[-1].memory > 0 and samples[-1].pids >= 1
    logs = backend.logs(info.id, follow=True, tail=0, tty=False)
    lines = []
    for line in logs:
        lines.append(line.text)
        if len(lines) == 3:
            break
    logs.close()
    assert len(lines) == 3, f"the log stream ended early: {lines}"
    assert all(text.startswith("tick") for text in lines), lines
