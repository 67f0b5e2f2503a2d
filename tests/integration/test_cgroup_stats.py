"""The cgroup collector agrees with the engine's stats API on the same container and moment.

Tolerances: CPU within 5 percentage points (the two read their counters up to a few ms apart),
memory within 1 MiB, network within 2 kB, block I/O equal.
"""

from __future__ import annotations

import statistics
import time

import docker

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend
from tui.engine.cgroup_stats import CgroupCollector

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
        nano_cpus=500_000_000,  # half a core: a CPU figure well away from 0 and 100
        mem_limit="256m",
    )
    try:
        container.reload()
        pid = container.attrs["State"]["Pid"]
        backend = DockerBackend()
        backend.connect()
        collector = CgroupCollector()
        assert collector.available(container.id)
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
            if count == 6:
                break
        stream.close()
        assert abs(statistics.mean(api_cpu) - statistics.mean(ours_cpu)) <= CPU_POINTS, (
            api_cpu,
            ours_cpu,
        )
        assert 35 <= statistics.mean(ours_cpu) <= 60, ours_cpu
    finally:
        container.remove(force=True)


def test_a_stopped_container_yields_no_sample(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(TEST_IMAGE, ["true"], detach=True, labels=test_labels)
    container.wait(timeout=30)
    try:
        assert CgroupCollector().sample(container.id, 0) is None
    finally:
        container.remove(force=True)
