"""The container side of the baseline, against the real engine and the local base image."""

from __future__ import annotations

import time

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tui.baseline.compare import unique_layer_bytes
from tui.engine.footprint import (
    ContainerFootprint,
    container_memory,
    footprint,
    image_layers,
    shim_rss,
)

START_MARKER = "CONTAINER_LAB_STARTED"


def measure_fresh_container(
    client: docker.DockerClient, image: str, labels: dict[str, str], timeout: float = 60.0
) -> ContainerFootprint:
    """Start a container that prints a marker, timing start to first log line on this host."""
    command = ["sh", "-c", f"echo {START_MARKER}; sleep {int(timeout)}"]
    container = client.containers.create(image, command, labels=labels, detach=True)
    try:
        # Attach before starting, as `docker run` does, so the first line cannot be missed.
        stream = container.attach(stdout=True, stderr=True, stream=True, logs=True)
        began = time.monotonic()
        container.start()
        elapsed: float | None = None
        for chunk in stream:
            if START_MARKER.encode() in chunk:
                elapsed = time.monotonic() - began
                break
            if time.monotonic() - began > timeout:
                break
        container.reload()
        return ContainerFootprint(
            id=container.id or "",
            name=container.name or "",
            image=image,
            memory_bytes=container_memory(container),
            start_seconds=elapsed,
            layers=image_layers(client, image),
            shim_rss_bytes=shim_rss(container.id or ""),
        )
    finally:
        container.remove(force=True)


@pytest.fixture()
def base_image(docker_client: docker.DockerClient) -> docker.models.images.Image:
    try:
        return docker_client.images.get(TEST_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"no local {TEST_IMAGE}: run `container-lab engine up`")


def test_fresh_container_start_memory_and_image(docker_client, test_labels, base_image):
    fp = measure_fresh_container(docker_client, TEST_IMAGE, test_labels, timeout=30)
    assert fp.start_seconds is not None and 0 < fp.start_seconds < 30
    assert fp.memory_bytes is not None and 0 < fp.memory_bytes < 512 * 1024 * 1024
    # Its containerd shim, found by the container id on its command line, costs the host too.
    assert fp.shim_rss_bytes is not None and 1024 * 1024 < fp.shim_rss_bytes < 256 * 1024 * 1024
    assert fp.host_cost_bytes == fp.memory_bytes + fp.shim_rss_bytes
    # Layer sizes add up to the image size the engine reports.
    assert fp.image_bytes == base_image.attrs["Size"]
    assert not docker_client.containers.list(
        ignore_removed=True, all=True, filters={"id": fp.id}
    )  # removed


def test_running_containers_share_their_image_layers(docker_client, test_labels, base_image):
    command = ["sh", "-c", "echo ready; sleep 60"]
    started = [
        docker_client.containers.run(TEST_IMAGE, command, labels=test_labels, detach=True)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(c.logs() for c in started):
            time.sleep(0.2)
        fps = []
        for container in started:
            container.reload()
            fps.append(footprint(docker_client, container))
        for fp in fps:
            assert fp.start_seconds is not None and 0 <= fp.start_seconds < 20
            assert fp.memory_bytes and fp.memory_bytes > 0
            assert fp.image == TEST_IMAGE
        layers = image_layers(docker_client, TEST_IMAGE)
        assert layers == fps[0].layers == fps[1].layers
        assert len({chain for chain, _ in layers}) == len(layers)
        # Two containers of one image: its layers once, not twice.
        assert unique_layer_bytes(fp.layers for fp in fps) == base_image.attrs["Size"]
    finally:
        for container in started:
            container.remove(force=True)
