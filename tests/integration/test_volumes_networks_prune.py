"""Volumes, networks and prune against the real engine, on objects this test session made."""

from __future__ import annotations

import contextlib
import uuid

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tui.engine.prune import plan_prunes, run_prune
from tui.engine.volumes import list_networks, list_volumes, remove_network, remove_volume
from tui.errors import LabError

pytestmark = pytest.mark.docker


def _unique(prefix: str) -> str:
    return f"cl-test-{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_volume_shows_its_size_and_user_and_is_not_removed_while_used(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = _unique("vol")
    docker_client.volumes.create(name, labels=test_labels)
    writer = docker_client.containers.run(
        TEST_IMAGE,
        ["dd", "if=/dev/zero", "of=/data/blob", "bs=1M", "count=2"],
        volumes={name: {"bind": "/data", "mode": "rw"}},
        labels=test_labels,
        name=_unique("writer"),
        detach=True,
    )
    assert writer.wait(timeout=60)["StatusCode"] == 0
    try:
        [volume] = list_volumes(docker_client.api, {"name": name})
        assert volume.used_by == (writer.name,)
        assert volume.size is not None and volume.size >= 2 * 1024 * 1024
        assert volume.mountpoint.endswith(f"/{name}/_data")
        with pytest.raises(LabError, match=f"used by {writer.name}"):
            remove_volume(docker_client.api, name)
        assert docker_client.volumes.get(name)
    finally:
        writer.remove(force=True)
    remove_volume(docker_client.api, name)
    assert not list_volumes(docker_client.api, {"name": name}, sizes=False)


def test_a_network_shows_its_subnet_and_user_and_is_not_removed_while_used(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = _unique("net")
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="10.231.7.0/24")])
    network = docker_client.networks.create(name, ipam=ipam, labels=test_labels)
    user = docker_client.containers.create(
        TEST_IMAGE, ["true"], network=name, labels=test_labels, name=_unique("netuser")
    )
    try:
        [info] = [n for n in list_networks(docker_client.api) if n.name == name]
        assert info.subnets == ("10.231.7.0/24",)
        assert info.used_by == (user.name,)  # a stopped container still holds it
        with pytest.raises(LabError, match=f"used by {user.name}"):
            remove_network(docker_client.api, network.id)
    finally:
        user.remove(force=True)
    remove_network(docker_client.api, network.id)
    assert name not in {n.name for n in list_networks(docker_client.api)}


def test_the_engines_own_networks_are_never_removed(docker_client: docker.DockerClient) -> None:
    with pytest.raises(LabError, match="engine's own"):
        remove_network(docker_client.api, "bridge")
    assert docker_client.networks.get("bridge")


def test_prune_removes_exactly_what_its_preview_listed(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    api = docker_client.api
    stopped = docker_client.containers.run(
        TEST_IMAGE,
        ["dd", "if=/dev/urandom", "of=/blob", "bs=1M", "count=2"],
        labels=test_labels,
        name=_unique("stopped"),
        detach=True,
    )
    assert stopped.wait(timeout=60)["StatusCode"] == 0
    running = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "300"], labels=test_labels, name=_unique("running"), detach=True
    )
    volume = docker_client.volumes.create(_unique("vol"), labels=test_labels)
    network = docker_client.networks.create(_unique("net"), labels=test_labels)
    dangling = api.commit(stopped.id, conf={"Labels": test_labels})["Id"]
    plans = {plan.kind: plan for plan in plan_prunes(api, test_labels)}
    late = docker_client.containers.create(
        TEST_IMAGE, ["true"], labels=test_labels, name=_unique("late")
    )
    try:
        assert [c.name for c in plans["containers"].candidates] == [stopped.name]
        assert [c.id for c in plans["images"].candidates] == [dangling]
        assert [c.name for c in plans["volumes"].candidates] == [volume.name]
        assert [c.name for c in plans["networks"].candidates] == [network.name]
        assert plans["build cache"].reclaimable == 0  # never pruned under a label filter
        assert plans["images"].reclaimable >= 2 * 1024 * 1024  # its own layer, not the base

        results = {kind: run_prune(api, plans[kind]) for kind in ("containers", "images")}
        results.update({kind: run_prune(api, plans[kind]) for kind in ("volumes", "networks")})
        assert results["containers"].removed == [stopped.name]
        assert results["volumes"].removed == [volume.name]
        assert results["networks"].removed == [network.name]
        assert results["images"].removed and not any(r.failed for r in results.values())
        assert results["images"].freed >= 2 * 1024 * 1024
        names = {c.name for c in docker_client.containers.list(ignore_removed=True, all=True)}
        assert running.name in names and late.name in names  # not in the preview: untouched
        assert stopped.name not in names
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.images.get(dangling)
    finally:
        for container in (running, late):
            container.remove(force=True)
        for leftover in (volume, network):
            with contextlib.suppress(docker.errors.NotFound):
                leftover.remove()
