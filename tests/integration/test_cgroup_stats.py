"""The cgroup collector agrees with the engine's stats API on the same container and moment.

Tolerances (stated in README figures too): CPU within 5 percentage points of one core on the
mean of five one-second samples (the two read their counters up to a few ms apart), memory
within 1 MiB, network within 2 kB, block I/O and memory limit equal, PIDs equal.
"""

from __future__ import annotations

import statistics
import time

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend
from tui.engine.stats.api import StatsStream
from tui.engine.stats.cgroup import (
    CgroupCollector,
    CgroupStatsStream,
    CgroupUnavailable,
    open_stats,
)

CPU_POINTS = 5.0
MEMORY_BYTES = 2**20
NET_BYTES = 2000


def test_cgroup_figures_match_the_api(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE,
        ["sh", "-c", "head -c 3000000 /dev/urandom > /tmp/f; sync; while :; do :; done"],
        detach=True,
        labels=test_labels,
        nano_cpus=300_000_000,  # capped at 0.3 core: a steady figure, light on a shared machine
        mem_limit="256m",
    )
    try:
        container.reload()
        pid = container.attrs["State"]["Pid"]
        backend = DockerBackend()
        backend.connect()
        collector = CgroupCollector()
        assert collector.available(container.id, pid)
        stream = backend.stats(container.id)
        api_cpu, ours_cpu = [], []
        collector.sample(container.id, pid)  # the first reading primes the CPU delta
        time.sleep(1.0)  # let both collectors see a full second of work
        for count, api in enumerate(stream):
            ours = collector.sample(container.id, pid)
            assert ours is not None
            if count >= 2:  # samples buffered during the warm-up arrive back to back
                api_cpu.append(api.cpu_percent)
                ours_cpu.append(ours.cpu_percent)
                assert abs(api.memory - ours.memory) <= MEMORY_BYTES, (api.memory, ours.memory)
                assert api.memory_limit == ours.memory_limit == 256 * 2**20
                assert abs(api.net_rx - ours.net_rx) <= NET_BYTES
                assert (api.block_read, api.block_write) == (ours.block_read, ours.block_write)
                assert api.pids == ours.pids
            if count == 6:
                break
        stream.close()
        assert abs(statistics.mean(api_cpu) - statistics.mean(ours_cpu)) <= CPU_POINTS, (
            api_cpu,
            ours_cpu,
        )
        # Percent of one core, under the 0.3-core cap: on a busy machine the container may get
        # less than its cap, so the floor only tells a percentage from a fraction (0.3).
        assert 5 <= statistics.mean(ours_cpu) <= 36, ours_cpu
    finally:
        container.remove(force=True)


def test_a_stopped_container_yields_no_sample(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(TEST_IMAGE, ["true"], detach=True, labels=test_labels)
    container.wait(timeout=30)
    try:
        assert CgroupCollector().sample(container.id, 0) is None
        backend = DockerBackend()
        backend.connect()
        with pytest.raises(CgroupUnavailable):
            CgroupStatsStream(backend.api, container.id)
        assert isinstance(open_stats(backend.api, container.id), StatsStream)  # the API's way
    finally:
        container.remove(force=True)


def test_the_cgroup_stream_is_a_drop_in_for_the_api_stream(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    """open_stats picks the cgroup files here; samples come once a second; it ends on stop.

    The pacing is checked with a longer interval, so that "at once" and "after the interval"
    are seconds apart: a busy machine can only make samples later, and the lower bounds hold
    because the stream waits the interval between samples.
    """
    container = docker_client.containers.run(
        TEST_IMAGE, ["cat"], stdin_open=True, detach=True, labels=test_labels
    )
    try:
        backend = DockerBackend()
        backend.connect()
        stream = open_stats(backend.api, container.id[:12])
        assert isinstance(stream, CgroupStatsStream)
        assert stream.interval == 1.0, "once a second, as the API's stream"
        stream.close()
        interval = 3.0
        paced = CgroupStatsStream(backend.api, container.id[:12], interval=interval)
        started, moments = time.monotonic(), []
        for sample in paced:
            assert sample.container_id == container.id[:12]
            assert sample.memory > 0 and sample.pids == 1
            moments.append(time.monotonic() - started)
            if len(moments) == 3:
                container.stop(timeout=1)
        assert len(moments) >= 3, moments
        # the first at once (not after an interval), then one per interval
        assert moments[0] < interval - 1, moments
        assert moments[1] >= interval - 0.05 and moments[2] >= 2 * interval - 0.05, moments
        closed = open_stats(backend.api, container.id)  # stopped: the API's stream instead
        assert isinstance(closed, StatsStream)
        closed.close()
    finally:
        container.remove(force=True)
