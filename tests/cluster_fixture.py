"""The tests' own 3-node Swarm: made once per session by `cluster up`'s code, removed at its end.

Every cluster test shares it (a cluster takes seconds to make, and CI's budget is tight); each
test removes the services it made and restores a node it stopped. The cluster's folder, state
file and docker contexts live in the session's own places, never the user's (~/.docker and
/var/lib/container-lab stay untouched). Only the base image is copied onto the nodes here; the
training test copies the training image itself.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import pytest

from tests.conftest import REQUIRE_DOCKER, SESSION_ID, TEST_IMAGE
from tui.cluster.plan import CLUSTERS_ENV, ClusterState
from tui.cluster.provision import cluster_down, cluster_up
from tui.engine.contexts import EngineSpec
from tui.errors import LabError

CLUSTER_NAME = f"t{SESSION_ID[:8]}"
# The nodes' data roots hold unpacked image layers (thousands of files): removing them from a
# disk mounted with online discard took 30 s for 3 nodes here, from tmpfs well under one.
FAST_ROOT = "/dev/shm" if Path("/dev/shm").is_dir() else "/var/tmp"
TIMINGS: dict[str, float] = {}  # what the cluster cost this session (the summary prints it)
TOOLS = ("dockerd", "ip", "unshare", "nsenter", "umount")


@dataclass
class SessionCluster:
    """The session's cluster: its state, where it lives, and clients of its engines."""

    state: ClusterState
    base: Path
    docker_config: Path
    clients: list[docker.DockerClient] = field(default_factory=list)

    @property
    def manager(self) -> docker.DockerClient:
        """node-1's engine: the Swarm's manager."""
        return self.clients[0]

    def env(self) -> dict[str, str]:
        """What a command or a dashboard needs to find this cluster and its contexts."""
        return {CLUSTERS_ENV: str(self.base), "DOCKER_CONFIG": str(self.docker_config)}

    def specs(self) -> list[EngineSpec]:
        """Each node's engine, named as its context is."""
        return [
            EngineSpec(node.context, node.url, None, f"context {node.context}")
            for node in self.state.nodes
        ]

    def reload(self) -> ClusterState:
        """The state as saved: the app's lesson (or a subprocess) restarts a node's engine and
        saves its new pid to the state file, not into this object, whose pid is then stale."""
        self.state = ClusterState.load(self.state.path)
        return self.state

    def remove_services(self, label: str) -> None:
        """Remove the services a test made (by its label), and wait until their tasks are gone."""
        api = self.manager.api
        removed = [service["ID"] for service in api.services(filters={"label": label})]
        for service_id in removed:
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_service(service_id)
        deadline = time.monotonic() + 60
        while removed and time.monotonic() < deadline:  # tasks go a moment after their service
            if not [t for t in api.tasks() if t["ServiceID"] in removed]:
                break
            time.sleep(0.5)


@pytest.fixture(scope="session")
def swarm_cluster(docker_client: docker.DockerClient) -> Iterator[SessionCluster]:
    """The session's 3-node cluster (skipped, or failed under LAB_REQUIRE_DOCKER=1, without
    the tools `./lab test` installs)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} missing: `./lab test` installs them"
        if REQUIRE_DOCKER:
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="clt-", dir=FAST_ROOT))
    docker_config = Path(tempfile.mkdtemp(prefix="clt-docker-"))
    started = time.monotonic()
    state = cluster_up(
        docker_client, CLUSTER_NAME, 3, [TEST_IMAGE], docker_config=docker_config, base=base
    )
    TIMINGS["up"] = time.monotonic() - started
    cluster = SessionCluster(state, base, docker_config)
    cluster.clients = [docker.DockerClient(base_url=node.url, timeout=120) for node in state.nodes]
    try:
        yield cluster
    finally:
        for client in cluster.clients:
            client.close()
        started = time.monotonic()
        with contextlib.suppress(LabError):
            state = cluster.reload()  # the engines' pids as they are now
        left = cluster_down(state)
        TIMINGS["down"] = time.monotonic() - started
        shutil.rmtree(docker_config, ignore_errors=True)
        if not left:
            shutil.rmtree(base, ignore_errors=True)
