"""Rows never outlive their containers: the feed reports container reads in event order.

The race behind a compose v2 `down` whose rows stayed: an inspect made while a container still
existed (for its `kill` event) finished after the inspect made for its `destroy` event, so the
last word about the container was the stale one and its row came back for good. On a quiet
machine the two reads rarely cross; under load they do. Here the real engine, real events and a
real removal, with one delay added where no real part can be made slow on demand: the first
re-inspect of the container is held (its real result taken while it exists) until the read
for its removal has returned, or, when the feed reads in order and so cannot make that read
yet, for a few seconds.
"""

from __future__ import annotations

import contextlib
import threading

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.integration.test_engine_feed import Reports
from tui.engine import feed as engine_feed
from tui.engine.backend import DockerBackend
from tui.engine.containers import ContainerInfo
from tui.engine.feed import EngineFeed

pytestmark = pytest.mark.docker
HOLD_SECONDS = 5.0  # how long an in-order feed's read is held: only the wait grows with it


class HeldInspect(DockerBackend):
    """A real backend whose first inspect of `target` after `arm()` reports late."""

    def __init__(self) -> None:
        super().__init__(stats="cgroup")
        self.target = ""
        self.held_read: ContainerInfo | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.read_gone = threading.Event()  # an inspect of target found it removed
        self._armed = False

    def arm(self, target: str) -> None:
        self.target, self._armed = target, True

    def container(self, container_id: str) -> ContainerInfo | None:
        info = super().container(container_id)
        if container_id != self.target:
            return info
        if info is None:
            self.read_gone.set()
        elif self._armed:
            self._armed = False
            self.held_read = info
            self.holding.set()
            self.release.wait(60.0)  # bounded: the test releases it
        return info


def final_state(reports: Reports, container_id: str) -> ContainerInfo | None:
    """What the reports, applied in order, leave of one container (as the table would)."""
    state: ContainerInfo | None = None
    for event in reports.events:
        if isinstance(event, engine_feed.ContainersLoaded):
            state = next((i for i in event.containers if i.id == container_id), None)
        elif isinstance(event, engine_feed.ContainerChanged) and event.container_id == container_id:
            state = event.info
    return state


def test_a_read_made_before_a_removal_never_outlives_it(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "300"], detach=True, labels=test_labels, network_mode="none"
    )
    backend = HeldInspect()
    reports = Reports()
    feed = EngineFeed(backend, reports, name="local")
    try:
        feed.start()
        reports.wait(lambda: final_state(reports, container.id) is not None, "the container's row")
        backend.arm(container.id)
        container.kill(signal="SIGWINCH")  # an event that leaves it running: its read is held
        reports.wait(backend.holding.is_set, "the held read")
        assert backend.held_read is not None and backend.held_read.is_running
        container.remove(force=True)  # kill, die, destroy
        # Out of order, the removal's read runs beside the held one and returns at once.
        backend.read_gone.wait(HOLD_SECONDS)
        backend.release.set()
        reports.wait(lambda: backend.read_gone.is_set() and not feed.busy, "every read done")
        state = final_state(reports, container.id)
        assert state is None, f"a removed container's row stays as {state.state!r}"
    finally:
        backend.release.set()
        feed.close(wait=10.0)
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
