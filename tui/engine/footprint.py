"""What a container costs: memory from its cgroup (via stats), start time, image layers.

These are the container side of the VM baseline. Image size counts layers by chain id, so
layers shared between images can be counted once.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import docker
import psutil
import requests
from docker.models.containers import Container

from tui.engine.stats.api import memory_usage
from tui.text import printable


@dataclass(frozen=True)
class ContainerFootprint:
    """The figures of one container the baseline compares with a VM."""

    id: str
    name: str
    image: str
    memory_bytes: int | None  # working set: usage minus inactive file cache
    start_seconds: float | None  # container start to its first log line
    layers: tuple[tuple[str, int], ...] = ()  # (chain id, bytes), base layer first
    shim_rss_bytes: int | None = None  # its containerd shim's resident memory, on the host

    @property
    def image_bytes(self) -> int:
        """The image's size on disk, all its layers."""
        return sum(size for _, size in self.layers)

    @property
    def host_cost_bytes(self) -> int | None:
        """What the host pays for it: working set + its shim (None when not sampled)."""
        if self.memory_bytes is None:
            return None
        return self.memory_bytes + (self.shim_rss_bytes or 0)


def shim_index() -> dict[str, psutil.Process]:
    """Every containerd shim on this host, by the container id after its `-id` argument."""
    shims: dict[str, psutil.Process] = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if "shim" not in (proc.info["name"] or ""):
                continue
            args = proc.info["cmdline"] or []
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for flag, value in itertools.pairwise(args):
            if flag == "-id":
                shims[value] = proc
    return shims


def shim_of(container_id: str) -> psutil.Process | None:
    """The containerd shim serving this container (its id is on the shim's command line)."""
    return shim_index().get(container_id) if container_id else None


def shim_rss(container_id: str, shims: dict[str, psutil.Process] | None = None) -> int | None:
    """The shim's resident memory (None when it is not on this host, e.g. a remote engine)."""
    shim = (shims if shims is not None else shim_index()).get(container_id)
    try:
        return shim.memory_info().rss if shim is not None else None
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def chain_ids(diff_ids: list[str]) -> list[str]:
    """OCI chain ids: a layer's identity together with everything beneath it."""
    chain: list[str] = []
    for diff_id in diff_ids:
        if not chain:
            chain.append(diff_id)
        else:
            digest = hashlib.sha256(f"{chain[-1]} {diff_id}".encode()).hexdigest()
            chain.append(f"sha256:{digest}")
    return chain


def pair_layer_sizes(diff_ids: list[str], history_sizes: list[int]) -> list[tuple[str, int]]:
    """(chain id, size) per layer, from the image's layers and its history (oldest first).

    History entries that made no layer have size 0; when some layers are empty too the pairing
    is ambiguous, so sizes go to the lowest layers first (the total stays exact).
    """
    sizes = [s for s in history_sizes if s > 0]
    padded = sizes[: len(diff_ids)] + [0] * max(0, len(diff_ids) - len(sizes))
    return list(zip(chain_ids(diff_ids), padded, strict=True))


def image_layers(client: docker.DockerClient, image_ref: str) -> tuple[tuple[str, int], ...]:
    """An image's layers as (chain id, bytes); empty when the image is gone."""
    try:
        image = client.images.get(image_ref)
        history = client.api.history(image.id)
    except docker.errors.DockerException:
        return ()
    diff_ids = list(image.attrs.get("RootFS", {}).get("Layers") or [])
    sizes = [int(entry.get("Size") or 0) for entry in reversed(history)]
    return tuple(pair_layer_sizes(diff_ids, sizes))


def working_set_bytes(stats: dict[str, Any]) -> int | None:
    """Memory as `docker stats` shows it (None when the sample has no usage figure)."""
    if (stats.get("memory_stats") or {}).get("usage") is None:
        return None
    return memory_usage(stats)


def container_memory(container: Container) -> int | None:
    """The container's working set from one stats sample (None when not running)."""
    try:
        stats = container.stats(stream=False, one_shot=True)
    except (  # JSONDecodeError: removed while the engine waited for a sample (an empty body)
        docker.errors.DockerException,
        requests.exceptions.JSONDecodeError,
    ):
        return None
    return working_set_bytes(stats)


def parse_docker_time(text: str) -> datetime | None:
    """Docker's RFC 3339 timestamps with nanoseconds, as aware datetimes."""
    if not text or text.startswith("0001-"):
        return None
    head, _, frac = text.rstrip("Z").partition(".")
    digits = "".join(ch for ch in frac if ch.isdigit())[:6].ljust(6, "0")
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(f"{head}.{digits}+00:00")
    return None


def logged_start_seconds(container: Container) -> float | None:
    """Seconds from the container's start to its first log line (None if nothing logged)."""
    started = parse_docker_time(container.attrs.get("State", {}).get("StartedAt", ""))
    if started is None:
        return None
    try:
        stream = container.logs(timestamps=True, stream=True, follow=False)
        first = next(iter(stream), b"")
        stream.close()
    except docker.errors.DockerException:
        return None
    line = first.split(b"\n", 1)[0].decode("utf-8", "replace")
    stamp = parse_docker_time(line.split(" ", 1)[0]) if line else None
    return max(0.0, (stamp - started).total_seconds()) if stamp else None


def footprint(
    client: docker.DockerClient,
    container: Container,
    shims: dict[str, psutil.Process] | None = None,
) -> ContainerFootprint:
    """Measure one running container (`shims` from shim_index, to look processes up once)."""
    image = container.attrs.get("Image", "")
    return ContainerFootprint(
        id=container.id or "",
        name=printable(container.name or ""),
        image=printable(str((container.attrs.get("Config") or {}).get("Image", image))),
        memory_bytes=container_memory(container),
        start_seconds=logged_start_seconds(container),
        layers=image_layers(client, image),
        shim_rss_bytes=shim_rss(container.id or "", shims),
    )


def running_footprints(client: docker.DockerClient) -> list[ContainerFootprint]:
    """Footprints of every running container (one stats sample each)."""
    shims = shim_index()
    return [footprint(client, c, shims) for c in client.containers.list(ignore_removed=True)]
