"""The table fills from one list call at start-up; the inspected list follows and replaces it.

Inspecting every container one by one made start-up wait for 100 requests before the first row
showed (14x `docker ps -a` + `docker images`). Here a real engine lists a running container with
a published port and one that exited with code 3; the one delay that no real part can make on
demand, a slow inspect, is added: the inspected list is held until the listed rows arrived.
Then what the list gave is compared field by field with what the inspect gives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.integration.test_engine_feed import Reports
from tui.engine import feed as engine_feed
from tui.engine.backend import DockerBackend
from tui.engine.containers import ContainerInfo
from tui.engine.feed import EngineFeed
from tui.views.formats import status_text

pytestmark = pytest.mark.docker


class HeldInspects(DockerBackend):
    """A real backend whose inspected list waits until the test releases it."""

    def __init__(self) -> None:
        super().__init__(stats="cgroup")
        self.release = threading.Event()

    def containers(self) -> list[ContainerInfo]:
        self.release.wait(60.0)  # bounded: the test releases it
        return super().containers()


def _loaded(reports: Reports, ids: set[str]) -> list[dict[str, ContainerInfo]]:
    """Every ContainersLoaded report holding all of `ids`, as id -> info, in order."""
    found = []
    for event in reports.of(engine_feed.ContainersLoaded):
        infos = {i.id: i for i in event.containers}  # type: ignore[attr-defined]
        if ids <= infos.keys():
            found.append(infos)
    return found


def test_rows_come_from_the_list_before_any_inspect_and_agree_with_it(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    running = docker_client.containers.run(
        TEST_IMAGE,
        ["sleep", "300"],
        detach=True,
        labels=test_labels,
        ports={"8080/tcp": ("127.0.0.1", None)},
    )
    exited = docker_client.containers.run(
        TEST_IMAGE, ["sh", "-c", "exit 3"], detach=True, labels=test_labels, network_mode="none"
    )
    exited.wait(timeout=60)
    ids = {running.id, exited.id}
    backend, reports = HeldInspects(), Reports()
    feed = EngineFeed(backend, reports, name="local")
    feed.start()
    try:
        reports.wait(lambda: bool(_loaded(reports, ids)), "the rows from the list call")
        listed = _loaded(reports, ids)[0]
        assert not any(info.inspected for info in listed.values())
        backend.release.set()
        reports.wait(lambda: len(_loaded(reports, ids)) >= 2, "the inspected list")
        inspected = _loaded(reports, ids)[-1]
    finally:
        backend.release.set()
        feed.close()
        backend.close()
    assert all(info.inspected for info in inspected.values())
    for cid in ids:
        quick, full = listed[cid], inspected[cid]
        for field in ("name", "image", "state", "ports", "labels", "mounts", "engine"):
            assert getattr(quick, field) == getattr(full, field), field
        assert quick.created == full.created.replace(microsecond=0)  # type: ignore[union-attr]
    assert listed[exited.id].exit_code == inspected[exited.id].exit_code == 3
    assert "127.0.0.1:" in listed[running.id].ports
    assert listed[exited.id].command == "sh -c 'exit 3'"  # quoted, as `docker ps` shows it
    # Until inspected, the status is the engine's own words, as `docker ps` prints them.
    assert status_text(listed[running.id]).startswith("Up ")
    assert status_text(listed[exited.id]).startswith("Exited (3) ")
    assert status_text(inspected[exited.id]).startswith("exit 3")


class UnreadableList(DockerBackend):
    """A real backend whose list call gives data this dashboard cannot read (a fake: no real
    engine sends it on demand)."""

    def container_list(self) -> list[ContainerInfo]:
        raise ValueError("an engine's list this dashboard cannot read")


def test_an_unreadable_list_leaves_the_table_to_the_inspected_one(
    fault: Callable[[str], None],
) -> None:
    backend, reports = UnreadableList(stats="cgroup"), Reports()
    feed = EngineFeed(backend, reports, name="local")
    feed.start()
    try:
        reports.wait(lambda: bool(reports.of(engine_feed.ContainersLoaded)), "the inspected list")
    finally:
        feed.close()
        backend.close()
    loaded = reports.of(engine_feed.ContainersLoaded)
    assert all(i.inspected for e in loaded for i in e.containers)  # type: ignore[attr-defined]
    assert not reports.of(engine_feed.EngineRequestDone)  # nothing to say: the table is whole
    fault("the engine's container list unreadable")


class InspectsNoted(DockerBackend):
    """A real backend that notes whether the listed rows were drawn when it inspects."""

    def __init__(self, drawn: threading.Event) -> None:
        super().__init__(stats="cgroup")
        self.drawn = drawn
        self.inspected_when_drawn: list[bool] = []

    def containers(self) -> list[ContainerInfo]:
        self.inspected_when_drawn.append(self.drawn.is_set())
        return super().containers()


def test_the_first_inspections_wait_for_the_listed_rows_to_be_drawn(
    docker_client: docker.DockerClient, test_labels: dict[str, str], monkeypatch
) -> None:
    # A hundred inspections hold the interpreter for a tenth of a second: made while the first
    # frame was drawn, they slowed it. Failed before: inspected at once, the rows not drawn.
    made = docker_client.containers.create(TEST_IMAGE, ["true"], labels=test_labels)
    monkeypatch.setattr(engine_feed, "DRAWN_WAIT_SECONDS", 60.0)
    drawn = threading.Event()
    backend, reports = InspectsNoted(drawn), Reports()
    feed = EngineFeed(backend, reports, name="local", drawn=drawn)
    feed.start()
    try:
        reports.wait(lambda: bool(_loaded(reports, {made.id})), "the rows from the list call")
        drawn.set()  # as the app does once its first frame with them is drawn
        reports.wait(lambda: len(_loaded(reports, {made.id})) >= 2, "the inspected list")
    finally:
        drawn.set()
        feed.close()
        backend.close()
    assert backend.inspected_when_drawn[0] is True


def test_the_first_inspections_come_even_if_no_frame_is_drawn(
    docker_client: docker.DockerClient, test_labels: dict[str, str], monkeypatch
) -> None:
    made = docker_client.containers.create(TEST_IMAGE, ["true"], labels=test_labels)
    monkeypatch.setattr(engine_feed, "DRAWN_WAIT_SECONDS", 0.5)
    backend, reports = DockerBackend(stats="cgroup"), Reports()
    feed = EngineFeed(backend, reports, name="local", drawn=threading.Event())  # never set
    feed.start()
    try:
        reports.wait(lambda: len(_loaded(reports, {made.id})) >= 2, "the inspected list")
    finally:
        feed.close()
        backend.close()
    assert _loaded(reports, {made.id})[-1][made.id].inspected
