"""A unix socket client keeps its connections however many containers it asks about in turn."""

from __future__ import annotations

import docker
import pytest
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
