"""Podman through its Docker-compatible API, driven by the dashboard's own DockerBackend.

The service is this session's own (tests/integration/engines.py); the base image is copied
into it from the shared Docker engine, since no registry answers here.
"""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from tests.conftest import SESSION_LABELS, TEST_IMAGE
from tests.integration.engines import PodmanService
from tests.integration.streams import collect_until
from tui.engine.actions import ContainerAction
from tui.engine.backend import DockerBackend
from tui.engine.contexts import resolve_engines
from tui.engine.events import EngineEvent
from tui.engine.logs.stream import LogLine
from tui.engine.stats.api import StatsSample

pytestmark = pytest.mark.docker
LOOP = "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"


@pytest.fixture()
def podman(podman_service: PodmanService) -> Iterator[DockerBackend]:
    backend = DockerBackend(podman_service.url)
    backend.connect()
    yield backend
    backend.close()


def _run(backend: DockerBackend, name: str) -> str:
    container = backend.docker_client().containers.run(
        TEST_IMAGE, ["sh", "-c", LOOP], detach=True, labels=SESSION_LABELS, name=name
    )
    return str(container.id)


def test_the_backend_knows_it_talks_to_podman_and_takes_stats_from_the_api(
    podman: DockerBackend,
) -> None:
    assert podman.is_podman
    assert podman.name == "podman"
    assert podman.cgroup_collector() is None  # Podman's cgroups are not laid out as Docker's


def test_podman_containers_are_listed_with_stats_logs_and_processes(podman: DockerBackend) -> None:
    cid = _run(podman, "cl-podman-listed")
    try:
        listed = {c.id: c for c in podman.containers()}
        assert cid in listed and listed[cid].state == "running"
        assert listed[cid].name == "cl-podman-listed"

        samples, closed = collect_until(podman.stats(cid), lambda s: len(s) >= 2, timeout=40)
        assert len(samples) >= 2, "Podman sends a stats sample every 5 s"
        assert closed, "closing the stats stream ended the read"
        sample: StatsSample = samples[-1]
        assert sample.memory > 0 and sample.pids >= 1 and sample.memory_limit > 0
        assert sample.net_rx > 0  # its bridge sends the container something
        assert (sample.block_read, sample.block_write) == (0, 0)  # Podman 4.3 reports none

        lines, closed = collect_until(
            podman.logs(cid, follow=True, tail=5, tty=False), lambda got: len(got) >= 8
        )
        assert closed, "closing the followed log ended the read"
        texts = [line.text for line in lines if isinstance(line, LogLine)]
        assert len(texts) >= 8 and all(t.startswith("line ") for t in texts)

        # A one-off sample after an earlier one (what a row off screen gets): Podman answers it
        # too, with a CPU figure averaged since the earlier sample.
        once = podman.stats_once(cid, sample)
        assert once is not None and once.memory > 0 and once.system_total > sample.system_total
        assert once.cpu_percent > 0.0  # the loop echoes five lines a second

        processes = podman.processes(cid)  # the compatible endpoint answers nothing here
        assert "PID" in processes.titles
        assert any("while true" in " ".join(row) for row in processes.rows)
    finally:
        podman.container_action(cid, ContainerAction.REMOVE)


def test_stop_and_remove_arrive_as_events_the_lists_act_on(podman: DockerBackend) -> None:
    cid = _run(podman, "cl-podman-stopped")
    events = podman.events()
    podman.container_action(cid, ContainerAction.STOP)
    assert podman.container(cid) is not None
    stopped = podman.container(cid)
    assert stopped is not None and stopped.state == "exited"
    assert podman.processes(cid).rows == ()  # libpod's top answers a stopped one with nothing
    plans = {plan.kind: plan for plan in podman.prune_plans()}  # Podman knows no "dead" filter
    assert cid in {c.id for c in plans["containers"].candidates}
    podman.container_action(cid, ContainerAction.REMOVE)
    assert podman.container(cid) is None
    assert cid not in {c.id for c in podman.containers()}

    seen, closed = collect_until(
        events, lambda got: any(e.id == cid and e.action == "remove" for e in got)
    )
    assert closed
    mine = [e for e in seen if isinstance(e, EngineEvent) and e.id == cid]
    actions = [e.action for e in mine]
    assert "die" in actions and "remove" in actions, actions
    assert all(e.changes_containers for e in mine if e.action in ("die", "remove"))


def test_podman_and_docker_are_watched_side_by_side(
    podman_service: PodmanService, docker_client: docker.DockerClient
) -> None:
    specs = resolve_engines(hosts=["unix:///var/run/docker.sock", podman_service.url])
    assert [s.name for s in specs] == ["local", "podman"]
    backends = [DockerBackend(spec) for spec in specs]
    try:
        for backend in backends:
            backend.connect()
        docker_side, podman_side = backends
        assert not docker_side.is_podman and docker_side.cgroup_collector() is not None
        cid = _run(podman_side, "cl-podman-side-by-side")
        assert cid in {c.id for c in podman_side.containers()}
        assert cid not in {c.id for c in docker_side.containers()}
        podman_side.container_action(cid, ContainerAction.REMOVE)
    finally:
        for backend in backends:
            backend.close()
