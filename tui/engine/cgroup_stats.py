"""A faster stats collector for a local engine: read the containers' cgroup files directly.

One thread can sample every container once a second from the kernel's own counters instead of
holding one stats stream per container open on the engine. The figures follow the docker CLI's
formulas (tui.engine.stats); elsewhere (a remote engine, no cgroup files) use the API instead.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from tui.engine.stats import StatsSample

CGROUP_ROOT = Path("/sys/fs/cgroup")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read_int(path: Path) -> int:
    text = path.read_text().strip()
    return 0 if text == "max" else int(text)


def _read_keyed(path: Path) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            values[key] = int(value)
    return values


def system_cpu_ns() -> int:
    """Host CPU time in nanoseconds, from /proc/stat, as the engine computes system_cpu_usage."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    return sum(int(v) for v in fields) * 1_000_000_000 // _CLOCK_TICKS


@dataclass
class _Previous:
    container_cpu: int
    system_cpu: int


@dataclass(frozen=True)
class CgroupPaths:
    """Where one container's counters live (cgroup v1 controllers, or one v2 folder)."""

    version: int
    cpu: Path
    memory: Path
    blkio: Path

    @classmethod
    def find(cls, container_id: str, root: Path = CGROUP_ROOT) -> CgroupPaths | None:
        """The container's cgroup under the cgroupfs or systemd driver, v1 or v2."""
        if (root / "cgroup.controllers").exists():  # v2, unified
            for folder in (
                root / "docker" / container_id,
                root / "system.slice" / f"docker-{container_id}.scope",
            ):
                if folder.is_dir():
                    return cls(2, folder, folder, folder)
            return None
        for parent in ("docker", f"system.slice/docker-{container_id}.scope"):
            leaf = container_id if parent == "docker" else ""
            cpu = root / "cpuacct" / parent / leaf
            if cpu.is_dir():
                return cls(1, cpu, root / "memory" / parent / leaf, root / "blkio" / parent / leaf)
        return None


def _network(pid: int) -> tuple[int, int]:
    """Received and sent bytes over the container's interfaces (loopback excluded, as docker)."""
    rx = tx = 0
    try:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    except OSError:
        return 0, 0
    for line in lines:
        name, _, data = line.partition(":")
        if name.strip() == "lo":
            continue
        fields = data.split()
        rx += int(fields[0])
        tx += int(fields[8])
    return rx, tx


class CgroupCollector:
    """Samples containers from their cgroup files; CPU % needs two samples, like the API."""

    def __init__(self, root: Path = CGROUP_ROOT) -> None:
        """Remember the previous CPU readings per container."""
        self.root = root
        self.online_cpus = os.cpu_count() or 1
        self._previous: dict[str, _Previous] = {}
        self._paths: dict[str, CgroupPaths] = {}

    def available(self, container_id: str) -> bool:
        """Whether this container's cgroup can be read here (else fall back to the API)."""
        return self._find(container_id) is not None

    def _find(self, container_id: str) -> CgroupPaths | None:
        if container_id not in self._paths:
            found = CgroupPaths.find(container_id, self.root)
            if found is None:
                return None
            self._paths[container_id] = found
        return self._paths[container_id]

    def sample(self, container_id: str, pid: int) -> StatsSample | None:
        """One sample, or None when the cgroup is gone (the container stopped)."""
        paths = self._find(container_id)
        if paths is None:
            return None
        try:
            return self._sample(container_id, pid, paths)
        except (OSError, ValueError):
            self._paths.pop(container_id, None)
            self._previous.pop(container_id, None)
            return None

    def _sample(self, container_id: str, pid: int, paths: CgroupPaths) -> StatsSample:
        system = system_cpu_ns()
        if paths.version == 1:
            cpu = _read_int(paths.cpu / "cpuacct.usage")
            usage = _read_int(paths.memory / "memory.usage_in_bytes")
            inactive = _read_keyed(paths.memory / "memory.stat").get("total_inactive_file", 0)
            limit = _read_int(paths.memory / "memory.limit_in_bytes")
            read = write = 0
            for line in (paths.blkio / "blkio.throttle.io_service_bytes").read_text().splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] == "Read":
                    read += int(parts[2])
                elif len(parts) == 3 and parts[1] == "Write":
                    write += int(parts[2])
        else:
            cpu = _read_keyed(paths.cpu / "cpu.stat").get("usage_usec", 0) * 1000
            usage = _read_int(paths.memory / "memory.current")
            inactive = _read_keyed(paths.memory / "memory.stat").get("inactive_file", 0)
            limit = _read_int(paths.memory / "memory.max")
            read = write = 0
            for line in (paths.blkio / "io.stat").read_text().splitlines():
                for field in line.split()[1:]:
                    key, _, value = field.partition("=")
                    read += int(value) if key == "rbytes" else 0
                    write += int(value) if key == "wbytes" else 0
        host_memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        if not limit or limit > host_memory:
            limit = host_memory  # the engine reports the host's memory when there is no limit
        previous = self._previous.get(container_id)
        self._previous[container_id] = _Previous(cpu, system)
        cpu_percent = 0.0
        if previous is not None:
            delta_cpu, delta_system = cpu - previous.container_cpu, system - previous.system_cpu
            if delta_cpu > 0 and delta_system > 0:
                cpu_percent = delta_cpu / delta_system * self.online_cpus * 100.0
        memory = usage - inactive if inactive < usage else usage
        rx, tx = _network(pid)
        pids = len((paths.cpu / "cgroup.procs").read_text().split())
        return StatsSample(
            container_id=container_id,
            cpu_percent=cpu_percent,
            memory=memory,
            memory_limit=limit,
            memory_percent=memory / limit * 100.0 if limit else 0.0,
            net_rx=rx,
            net_tx=tx,
            block_read=read,
            block_write=write,
            pids=pids,
        )


def sample_all(
    collector: CgroupCollector, containers: dict[str, int]
) -> tuple[float, dict[str, StatsSample]]:
    """Sample every container (id -> init pid) once; return the moment and the samples."""
    moment = time.monotonic()
    samples = {}
    for container_id, pid in containers.items():
        sample = collector.sample(container_id, pid)
        if sample is not None:
            samples[container_id] = sample
    return moment, samples
