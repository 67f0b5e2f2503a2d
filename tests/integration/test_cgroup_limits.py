"""A container run with no memory limit, on the real engine: the cgroup files and the API give
the same limit, the host's memory, and the row says so (not cgroup v1's 8 EiB "no limit")."""

from __future__ import annotations

import docker
import psutil
import pytest

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend
from tui.engine.stats.cgroup import CgroupCollector
from tui.views.formats import bytes_size, memory_text

pytestmark = pytest.mark.docker


def test_no_memory_limit_is_the_hosts_memory_from_cgroup_files_and_the_api(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "300"], detach=True, labels=test_labels, network_mode="none"
    )
    try:
        container.reload()
        assert container.attrs["HostConfig"]["Memory"] == 0  # no limit asked for
        backend = DockerBackend(stats="api")
        backend.connect()
        api = backend.stats_once(container.id)
        ours = CgroupCollector().sample(container.id, container.attrs["State"]["Pid"])
        assert api is not None and ours is not None
        host = psutil.virtual_memory().total
        assert api.memory_limit == ours.memory_limit == host
        assert memory_text(ours).endswith(" / " + bytes_size(host))
        assert "EiB" not in memory_text(ours)
        backend.close()
    finally:
        container.remove(force=True)
