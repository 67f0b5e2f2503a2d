"""A unix socket client keeps its connections however many containers it asks about in turn."""

from __future__ import annotations

import contextlib
from typing import Any

import docker
import pytest
import requests
from docker.transport import unixconn

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend

pytestmark = pytest.mark.docker

CONTAINERS = 30  # more than the 25 pools docker-py keeps, one per URL


def test_asking_about_many_containers_in_turn_reuses_one_connection(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # This failed before: docker-py keeps a pool per URL and only the 25 latest, so asking
    # about 30 containers in turn (as paced stats samples do) opened a connection per request.
    made = [
        docker_client.containers.create(TEST_IMAGE, ["true"], labels=test_labels)
        for _ in range(CONTAINERS)
    ]
    backend = DockerBackend()
    backend.connect()
    connects = 0
    connect = unixconn.UnixHTTPConnection.connect

    def counted(self: unixconn.UnixHTTPConnection) -> None:
        nonlocal connects
        connects += 1
        connect(self)

    monkeypatch.setattr(unixconn.UnixHTTPConnection, "connect", counted)
    try:
        for _ in range(2):
            for container in made:
                assert backend.container(container.id) is not None
        assert connects <= 1, f"{connects} connections for {2 * CONTAINERS} requests"
    finally:
        backend.close()
        for container in made:
            container.remove(force=True)


def test_a_paced_stats_sample_skips_the_requests_session_and_a_gone_container_is_none(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Failed before: each sample went through requests' session, twice the CPU of the request
    # itself; a tall terminal's paced rows make twenty a second (bench/stats_projector.py).
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "300"], detach=True, labels=test_labels, network_mode="none"
    )
    backend = DockerBackend()
    backend.connect()
    sent = 0
    send = requests.Session.send

    def counted(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
        nonlocal sent
        sent += 1
        return send(self, *args, **kwargs)

    try:
        first = backend.stats_once(container.id)
        assert first is not None and first.cpu_total > 0 and first.memory > 0
        monkeypatch.setattr(requests.Session, "send", counted)
        second = backend.stats_once(container.id, first)
        assert second is not None and second.system_total > first.system_total
        assert sent == 0, "the sample went through requests' session"
        container.remove(force=True)
        assert backend.stats_once(container.id, second) is None
    finally:
        monkeypatch.undo()
        backend.close()
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
